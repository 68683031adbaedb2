export { createApp, type AppDeps } from "./app.js";
export { startServer, type RunningServer, type StartServerOptions } from "./serve.js";
export { ConfigError } from "./config/config-error.js";
export { defaultConfig } from "./config/default-config.js";
export {
  loadConfigFile,
  parseConfigText,
  resolveConfig,
  type ProviderConfig,
  type ResolveOptions,
  type ResolvedModelConfig,
  type ToolshimConfig,
} from "./config/load-config.js";
export { createLogger, type LoggerOptions } from "./logging/create-logger.js";
export { collectSecrets } from "./logging/collect-secrets.js";
export { createUpstreams, closeUpstreams } from "./providers/create-upstreams.js";
export { builtInProviderPackages, providerKinds } from "./providers/registry.js";
export { loadExternalProviders } from "./providers/load-provider.js";
export type { ProviderDeps, ProviderHealth, ProviderKind, ServerUpstream } from "./providers/provider-kind.js";
export { defineProvider } from "@toolshim/core/provider-utils";
export { createDemoUpstream, demoOptionsSchema, DEMO_MODEL_ID } from "@toolshim/provider-demo";
export type { ServerContext, PreparedCall } from "./server-context.js";
export type { ServerEnv } from "./http/server-env.js";
export type { ErrorRenderer } from "./http/error-response.js";
