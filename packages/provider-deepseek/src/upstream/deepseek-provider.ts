import { defineProvider } from "@toolshim/core/provider-utils";
import { createDeepSeekUpstream } from "./create-deepseek-upstream.js";
import { deepSeekOptionsSchema } from "./options.js";

/** `use: deepseek`: the DeepSeek web chat (chat.deepseek.com) through its users' accounts. */
export const deepseekProvider = defineProvider({
  specificationVersion: "v1",
  name: "deepseek",
  description: "the DeepSeek web chat (chat.deepseek.com) through its users' accounts",
  settings: deepSeekOptionsSchema,
  create: (settings, context) => createDeepSeekUpstream(settings, { fetch: context.fetch, logger: context.logger, state: context.state }),
});
