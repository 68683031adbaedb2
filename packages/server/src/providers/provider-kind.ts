import type { Upstream } from "@toolshim/core";
import type { Logger } from "pino";
import type { z } from "zod";
import type { UpstreamTimeouts } from "../upstream/upstream-timeouts.js";

/** What every provider factory receives: injected so tests can replay traffic and logs stay in one place. */
export interface ProviderDeps {
  /** The provider's key in the config file (for logs and error messages). */
  name: string;
  fetch: typeof globalThis.fetch;
  logger: Logger;
  /** The server's limits for this provider (`providers.<name>.timeouts`); a provider with timers of its own uses them. */
  timeouts: UpstreamTimeouts;
}

export interface ProviderHealth {
  status: "ok" | "degraded" | "down";
  /** Anything a user may want to see on /health (never credentials). */
  [detail: string]: unknown;
}

/** A provider as the server uses it: core's Upstream plus an optional health probe for /health. */
export type ServerUpstream = Upstream & { health?(): Promise<ProviderHealth> };

/**
 * One `use:` value of the config file. `options` is the provider's own zod schema: the config loader validates the
 * provider's keys with it (everything except `use`) and reports problems under the provider's key path.
 */
export interface ProviderKind<Schema extends z.ZodType = z.ZodType> {
  options: Schema;
  create(options: z.output<Schema>, deps: ProviderDeps): ServerUpstream;
}

/** Helper that keeps the schema and factory types tied together. */
export function defineProviderKind<Schema extends z.ZodType>(kind: ProviderKind<Schema>): ProviderKind<Schema> {
  return kind;
}
