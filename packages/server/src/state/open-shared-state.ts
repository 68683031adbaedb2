import { createStateSealer, type ProviderState } from "@toolshim/core/provider-utils";
import type { Logger } from "pino";
import type { ToolshimConfig } from "../config/load-config.js";
import { retentionLimits } from "../storage/open-response-store.js";
import { consoleSchema, storageSchema } from "../config/config-schema.js";
import type { ResponseStore } from "../storage/response-store.js";
import { createRedisResponseStore } from "../storage/redis-response-store.js";
import { connectRedis, redisAddress } from "./redis-client.js";
import { createRedisProviderState } from "./redis-provider-state.js";
import { createRedisTraceStore } from "./redis-trace-store.js";
import { SHARED_TRACE_TTL_MS, type SharedTraceSource } from "../console/shared-traces.js";

/** What several instances share; undefined members mean this process's own defaults (memory state, `storage`). */
export interface SharedState {
  providerState?: ProviderState;
  responseStore?: ResponseStore;
  /** Finished console traces every instance reads; only when the console is on. */
  traces?: SharedTraceSource;
  /** For /health: where the shared state is and whether it answers now; undefined when embedded. */
  health?(): { kind: "redis"; status: "ok" | "down"; redis: string };
  close(): Promise<void>;
}

/**
 * Opens the state `state` describes. Embedded (the default) opens nothing. Redis must answer before the server
 * starts; afterwards a lost connection is logged once, requests needing it get 503 `shared_state_unavailable`, and
 * the client reconnects by itself.
 */
export async function openSharedState(config: ToolshimConfig, logger: Logger): Promise<SharedState> {
  const state = config.state;
  if (state?.kind !== "redis" || state.url === undefined) {
    // Settings that only mean something on Redis, written for an embedded state: say so rather than ignore them.
    const ignored = (["url", "secret"] as const).filter((key) => state?.[key] !== undefined);
    if (ignored.length > 0) {
      logger.warn({ settings: ignored.map((key) => `state.${key}`) }, "state.kind is embedded, so state.url and state.secret do nothing; set state.kind: redis to share state");
    }
    return { close: async () => {} };
  }
  const address = redisAddress(state.url);
  const client = await connectRedis({ url: state.url, connectTimeoutMs: state.connectTimeoutMs });
  logger.info({ redis: address, keyPrefix: state.keyPrefix }, "shared state on Redis");
  let lost = false;
  client.on("close", () => {
    if (lost) return;
    lost = true;
    logger.warn({ redis: address }, "lost the connection to Redis: requests needing shared state get 503 until it returns");
  });
  client.on("ready", () => {
    if (!lost) return;
    lost = false;
    logger.info({ redis: address }, "reconnected to Redis");
  });
  const limits = retentionLimits(config.storage ?? storageSchema.parse({}));
  const sealer = state.secret === undefined ? undefined : await createStateSealer(state.secret);
  if (!sealer) logger.warn({}, "state.secret is not set: login tokens (DeepSeek, Qwen) stay in each instance, so each instance signs in to an account on its own");
  return {
    providerState: createRedisProviderState(client, state.keyPrefix, address, sealer),
    responseStore: createRedisResponseStore(client, state.keyPrefix, limits, address),
    ...(config.console?.enabled ? { traces: { store: createRedisTraceStore(client, state.keyPrefix, sharedTraceLimits(config)), address } } : {}),
    health: () => ({ kind: "redis", status: client.status === "ready" ? "ok" : "down", redis: address }),
    async close() {
      lost = true; // a deliberate close is not a lost connection
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** The console's bounds apply to the shared traces as a whole (all instances), with a fixed age limit. */
function sharedTraceLimits(config: ToolshimConfig): { maxTraces: number; maxBytes: number; ttlMs: number } {
  const settings = config.console ?? consoleSchema.parse({});
  return { maxTraces: settings.maxTraces, maxBytes: settings.maxTraceBytes, ttlMs: SHARED_TRACE_TTL_MS };
}
