import { createMemoryState, type ProviderState, scopedState } from "@toolshim/core/provider-utils";
import type { Logger } from "pino";
import type { ToolshimConfig } from "../config/load-config.js";
import { childLogger } from "../logging/child-logger.js";
import { instrumentFetch } from "../upstream/upstream-call.js";
import { resolveTimeouts } from "../upstream/upstream-timeouts.js";
import type { ProviderKind, ServerUpstream } from "./provider-kind.js";
import { providerKinds } from "./registry.js";

export interface CreateUpstreamsOptions {
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  kinds?: Readonly<Record<string, ProviderKind>>;
  /** Where providers keep leases, cooldowns and learned modes; default one memory store for the process. */
  state?: ProviderState;
}

/** One upstream per configured provider, each with its own child logger, state scope and the server's instrumented fetch. */
export function createUpstreams(config: ToolshimConfig, options: CreateUpstreamsOptions): Map<string, ServerUpstream> {
  const kinds = options.kinds ?? providerKinds;
  const fetch = instrumentFetch(options.fetch ?? globalThis.fetch);
  const state = options.state ?? createMemoryState();
  const upstreams = new Map<string, ServerUpstream>();
  for (const [name, provider] of Object.entries(config.providers)) {
    // A provider loaded from a package or path travels with the config; built-ins are found by name.
    const kind = provider.kind ?? kinds[provider.use];
    if (!kind) throw new Error(`provider "${name}" uses unknown kind "${provider.use}"`);
    const timeouts = resolveTimeouts(provider, config.server.requestTimeoutMs);
    const context = { name, fetch, logger: childLogger(options.logger, { provider: name }), state: scopedState(state, name), timeouts };
    upstreams.set(name, kind.create(provider.options, context));
  }
  return upstreams;
}

/** Closes every upstream (accounts, sessions, sockets), reporting but not stopping on failures. */
export async function closeUpstreams(upstreams: ReadonlyMap<string, ServerUpstream>, logger: Logger): Promise<void> {
  await Promise.all(
    [...upstreams].map(async ([name, upstream]) => {
      try {
        await upstream.close?.();
      } catch (error) {
        logger.warn({ provider: name, err: error }, "provider did not close cleanly");
      }
    }),
  );
}
