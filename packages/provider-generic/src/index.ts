export { genericProvider, genericProvider as default, genericSettingsSchema } from "./generic-provider.js";
export { createGenericUpstream } from "./create-generic-upstream.js";
export type { GenericLogger, GenericUpstream, GenericUpstreamDeps } from "./create-generic-upstream.js";
export { genericModelSchema, genericProviderOptionsSchema, toolModeSchema } from "./options.js";
export type { GenericModelOptions, GenericProviderOptions, GenericProviderOptionsInput, ToolModeSetting } from "./options.js";
