import type { StateSealer } from "./state-sealer.js";

/**
 * The small key-value store a provider keeps shared state in (account leases and cooldowns, learned tool modes).
 * Values are JSON-serialisable, so a store shared between several gateway instances (Redis, in a later issue) can
 * implement it; the memory store below is the default. Expiry is in milliseconds from now.
 */
export interface ProviderState {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, options?: { ttlMs?: number }): Promise<void>;
  delete(key: string): Promise<void>;
  /** Adds `by` to a counter (created at 0) and returns the new value; the expiry applies when it is created. */
  increment(key: string, by?: number, options?: { ttlMs?: number }): Promise<number>;
  /**
   * Atomically takes `key` for `owner` for `ttlMs` when it is free or already `owner`'s (which extends it): true when
   * `owner` holds it now. Leases shared between gateway instances are built on this; an owner that dies stops
   * renewing and its key frees itself.
   */
  claim(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees `key` if `owner` still holds it (a lease that expired and was taken by another stays theirs). */
  unclaim(key: string, owner: string): Promise<void>;
  /**
   * Present when the store is shared by several gateway instances and the deployment gave it a secret: login tokens
   * are then kept here, sealed, so the instances sign in to an account once instead of each on its own. Absent for
   * the memory store (one process: tokens stay in memory, as they always have).
   */
  readonly sealer?: StateSealer;
}

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** A process-local `ProviderState`; `now` is injectable so tests control expiry without waiting. */
export function createMemoryState(now: () => number = () => Date.now()): ProviderState {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const expiry = (ttlMs: number | undefined) => (ttlMs === undefined ? Number.POSITIVE_INFINITY : now() + ttlMs);
  return {
    async get<T>(key: string) {
      // Values are stored as given; a shared store would round-trip them through JSON instead.
      return live(key)?.value as T | undefined;
    },
    async set(key, value, options) {
      entries.set(key, { value, expiresAt: expiry(options?.ttlMs) });
    },
    async delete(key) {
      entries.delete(key);
    },
    async increment(key, by = 1, options) {
      const entry = live(key);
      const value = (typeof entry?.value === "number" ? entry.value : 0) + by;
      entries.set(key, { value, expiresAt: entry?.expiresAt ?? expiry(options?.ttlMs) });
      return value;
    },
    async claim(key, owner, ttlMs) {
      const entry = live(key);
      if (entry && entry.value !== owner) return false;
      entries.set(key, { value: owner, expiresAt: expiry(ttlMs) });
      return true;
    },
    async unclaim(key, owner) {
      if (live(key)?.value === owner) entries.delete(key);
    },
  };
}

/** A view of `state` whose keys all start with `prefix:`, so providers sharing one store cannot collide. */
export function scopedState(state: ProviderState, prefix: string): ProviderState {
  const at = (key: string) => `${prefix}:${key}`;
  return {
    ...(state.sealer ? { sealer: state.sealer } : {}),
    get: (key) => state.get(at(key)),
    set: (key, value, options) => state.set(at(key), value, options),
    delete: (key) => state.delete(at(key)),
    increment: (key, by, options) => state.increment(at(key), by, options),
    claim: (key, owner, ttlMs) => state.claim(at(key), owner, ttlMs),
    unclaim: (key, owner) => state.unclaim(at(key), owner),
  };
}
