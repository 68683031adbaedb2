import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assertProviderDefinition, defineProvider, strictSettings } from "./define-provider.js";

describe("defineProvider", () => {
  const provider = defineProvider({
    specificationVersion: "v1",
    name: "echo",
    settings: z.object({ greeting: z.string().default("hi") }),
    create: (settings, context) => ({
      name: context.name,
      listModels: async () => [{ id: settings.greeting, capabilities: { nativeTools: false, reasoning: false, systemRole: true, vision: false } }],
      async *stream() {
        yield { type: "end", reason: "stop" } as const;
      },
    }),
  });

  it("accepts a definition of this spec version", () => {
    expect(() => assertProviderDefinition(provider, "echo")).not.toThrow();
  });

  it("refuses other versions and non-providers with a message saying what to do", () => {
    expect(() => assertProviderDefinition({ ...provider, specificationVersion: "v2" }, "pkg-x")).toThrow(/pkg-x is written for provider spec "v2".*upgrade/);
    expect(() => assertProviderDefinition({ default: 1 }, "./p")).toThrow(/does not export a provider: export default defineProvider/);
    expect(() => assertProviderDefinition({ ...provider, settings: {} }, "p")).toThrow(/zod settings schema/);
  });
});

describe("strictSettings", () => {
  it("names the allowed keys when a key is unknown", () => {
    const result = strictSettings({ baseURL: z.string(), token: z.string() }).safeParse({ baseURL: "x", tokn: "y" });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('unknown key "tokn"; allowed keys: baseURL, token');
  });
});
