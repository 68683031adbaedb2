import { z } from "zod";
import type { Upstream } from "../upstream.js";
import type { ProviderState } from "./provider-state.js";

/**
 * The version of the provider spec this core implements. A provider declares the version it was written against;
 * the server refuses one it does not understand with a message saying which side to upgrade, instead of failing
 * later in an odd way. A change that breaks existing providers gets a new version.
 */
export const PROVIDER_SPECIFICATION_VERSION = "v1";
export type ProviderSpecificationVersion = typeof PROVIDER_SPECIFICATION_VERSION;

/** The slice of a pino logger a provider uses; pino's `Logger` fits it as is. */
export interface ProviderLogger {
  debug(details: object, message?: string): void;
  info(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  error(details: object, message?: string): void;
}

/** How long the host waits on the upstream, measured in bytes received (the server's `providers.<name>.timeouts`). */
export interface ProviderTimeouts {
  firstByteMs: number;
  idleMs: number;
  /** 0: no limit. */
  totalMs: number;
}

/** What `create` receives from the host (the server, or a test): injected so tests replay traffic without a network. */
export interface ProviderContext {
  /** The provider's key in the config file, for logs and error messages. */
  name: string;
  /** Every request to the upstream goes through this; the server's counts bytes for its timeouts. */
  fetch: typeof globalThis.fetch;
  logger: ProviderLogger;
  /** Where leases, cooldowns and learned modes live (memory by default; shared stores later). */
  state: ProviderState;
  /** The host's limits for this provider; a provider with timers of its own uses them. */
  timeouts: ProviderTimeouts;
}

/** What `/health` (and the console) show for a provider. Never credentials. */
export interface ProviderHealth {
  status: "ok" | "degraded" | "down";
  [detail: string]: unknown;
}

/** What `create` returns: core's `Upstream`, plus an optional health/status hook for `/health` and the console. */
export interface ProviderUpstream extends Upstream {
  /**
   * Reachability and state (accounts, learned tool modes, …) for `/health` and the console. Called often: cache any
   * network probe.
   */
  health?(): Promise<ProviderHealth>;
}

/**
 * A provider package's one export. `settings` is a zod schema of the keys the provider takes under
 * `providers.<name>` in the config file (everything except `use` and `timeouts`, which are the server's); the server
 * validates them and reports problems under the provider's key path. Batching of upstream events is not part of the
 * spec: a provider returns a plain `AsyncIterable`, and core batches internally.
 */
export interface ProviderDefinition<Settings extends z.ZodType = z.ZodType> {
  readonly specificationVersion: ProviderSpecificationVersion;
  /** The default `use:` name (e.g. "deepseek"); a package referenced by name or path is used under its own. */
  readonly name: string;
  /** One line for listings and the configuration reference. */
  readonly description?: string;
  readonly settings: Settings;
  create(settings: z.output<Settings>, context: ProviderContext): ProviderUpstream;
}

/** Declares a provider; keeps the settings schema and the factory's parameter types tied together. */
export function defineProvider<Settings extends z.ZodType>(definition: ProviderDefinition<Settings>): ProviderDefinition<Settings> {
  return definition;
}

/**
 * Checks that a loaded module value is a provider definition this core understands; `source` names where it came
 * from in the error (a package name or a path).
 */
export function assertProviderDefinition(value: unknown, source: string): asserts value is ProviderDefinition {
  const candidate = value as Partial<ProviderDefinition> | undefined;
  if (candidate === null || typeof candidate !== "object" || typeof candidate.create !== "function") {
    throw new Error(`${source} does not export a provider: export default defineProvider({ … }) from @toolshim/core/provider-utils`);
  }
  if (candidate.specificationVersion !== PROVIDER_SPECIFICATION_VERSION) {
    throw new Error(
      `${source} is written for provider spec ${JSON.stringify(candidate.specificationVersion)}, this toolshim understands ` +
        `"${PROVIDER_SPECIFICATION_VERSION}": upgrade whichever of the two is older`,
    );
  }
  if (typeof candidate.settings?.safeParse !== "function" || typeof candidate.name !== "string") {
    throw new Error(`${source} exports a provider without a name or a zod settings schema`);
  }
}

/**
 * A strict zod object for a provider's settings whose unknown-key message lists the keys that are allowed, so a
 * typo in the config file is one glance to fix (the server adds a did-you-mean from that list).
 */
export function strictSettings<Shape extends z.ZodRawShape>(shape: Shape): z.ZodObject<Shape, z.core.$strict> {
  const allowed = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}; allowed keys: ${allowed}`
        : undefined,
  });
}
