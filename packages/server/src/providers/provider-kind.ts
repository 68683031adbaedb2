import type { ProviderContext, ProviderDefinition, ProviderHealth, ProviderUpstream } from "@toolshim/core/provider-utils";

/** One `use:` value of the config file: a provider package's `defineProvider` value. */
export type ProviderKind = ProviderDefinition;
/** What each provider's `create` receives from the server. */
export type ProviderDeps = ProviderContext;
/** A provider as the server uses it: core's Upstream plus the optional health hook for /health and the console. */
export type ServerUpstream = ProviderUpstream;
export type { ProviderHealth };
