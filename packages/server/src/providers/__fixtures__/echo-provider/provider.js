// A provider as a third party would publish it: plain ESM, one defineProvider value, nothing from the server.
import { defineProvider } from "@toolshim/core/provider-utils";
import { z } from "zod";

export default defineProvider({
  specificationVersion: "v1",
  name: "echo",
  settings: z.strictObject({ prefix: z.string().default("echo: ") }),
  create: (settings, context) => ({
    name: context.name,
    listModels: async () => [{ id: "echo-1", capabilities: { nativeTools: false, reasoning: false, systemRole: true, vision: false } }],
    async *stream(request) {
      const last = request.messages.at(-1);
      yield { type: "text", text: `${settings.prefix}${typeof last?.content === "string" ? last.content : ""}` };
      yield { type: "end", reason: "stop" };
    },
    health: async () => ({ status: "ok", provider: context.name }),
  }),
});
