import { defineProvider } from "@toolshim/core/provider-utils";
import { settingsSchema } from "./settings.js";
import { createQwenUpstream } from "./upstream/create-qwen-upstream.js";

export { settingsSchema, type Settings } from "./settings.js";
export { createQwenUpstream, type QwenUpstreamOptions } from "./upstream/create-qwen-upstream.js";
export { protocolProfileSchema, defaultProtocolProfile, type ProtocolProfile } from "./client/protocol-profile.js";
export { buildPrompt } from "./prompt/build-prompt.js";
export { QwenStreamParser } from "./stream/qwen-stream-parser.js";

/** `use: qwen` (or `use: "@toolshim/provider-qwen"`): Qwen Chat (chat.qwen.ai), the web chat, through its users' accounts. */
export const qwenProvider = defineProvider({
  specificationVersion: "v1",
  name: "qwen",
  description: "Qwen Chat (chat.qwen.ai), the web chat",
  settings: settingsSchema,
  create(settings, context) {
    return createQwenUpstream(settings, { name: context.name, fetch: context.fetch, logger: context.logger, state: context.state });
  },
});

export default qwenProvider;
