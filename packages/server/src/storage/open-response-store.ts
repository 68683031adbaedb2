import { resolve } from "node:path";
import type { StorageConfig } from "../config/config-schema.js";
import { storageSchema } from "../config/config-schema.js";
import { createMemoryResponseStore } from "./memory-response-store.js";
import type { ResponseStore, RetentionLimits } from "./response-store.js";
import { createSqliteResponseStore } from "./sqlite-response-store.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export function retentionLimits(config: StorageConfig): RetentionLimits {
  return { maxAgeMs: config.maxAgeDays * DAY_MS, maxResponses: config.maxResponses, maxBytes: config.maxBytes };
}

/** The store `storage` describes (the defaults when absent): SQLite under `dir`, or memory. */
export function openResponseStore(config: StorageConfig | undefined, now?: () => number): ResponseStore {
  const storage = config ?? storageSchema.parse({});
  const limits = retentionLimits(storage);
  return storage.kind === "memory" ? createMemoryResponseStore(limits, now) : createSqliteResponseStore(resolve(storage.dir), limits, now);
}
