import { createDeepSeekUpstream, deepSeekOptionsSchema } from "@toolshim/provider-deepseek";
import { strictShape } from "../config/config-schema.js";
import { defineProviderKind } from "./provider-kind.js";

// Rebuilt with strictShape so a typo in the config file is reported with the list of allowed keys.
export const deepseekOptionsSchema = strictShape(deepSeekOptionsSchema.shape);

/** `use: deepseek`: the DeepSeek web chat (chat.deepseek.com) through its users' accounts. */
export const deepseekProvider = defineProviderKind({
  options: deepseekOptionsSchema,
  create: (options, deps) => createDeepSeekUpstream(options, { fetch: deps.fetch, logger: deps.logger }),
});
