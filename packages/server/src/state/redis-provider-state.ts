import type { ProviderState, StateSealer } from "@toolshim/core/provider-utils";
import type { Redis } from "ioredis";
import { guarded } from "./redis-client.js";

// INCRBY, and the expiry only when this call created the counter (as the memory store does).
const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value`;

// Take or extend the key when free or already the owner's (values are JSON, like every other value here).
const CLAIM = `
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

const UNCLAIM = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/**
 * Core's `ProviderState` on Redis, so every gateway instance sees the same leases, cooldowns, tokens and learned modes.
 * Values travel as JSON; keys live under `prefix`, which carries a hash tag so a Redis Cluster keeps them on one node.
 */
export function createRedisProviderState(client: Redis, prefix: string, address: string, sealer?: StateSealer): ProviderState {
  const at = (key: string) => `${prefix}:{state}:${key}`;
  return {
    // With the deployment's secret, providers may keep login tokens here (sealed); without it they keep them in memory.
    ...(sealer ? { sealer } : {}),
    get: <T>(key: string) =>
      guarded(address, async () => {
        const text = await client.get(at(key));
        return text === null ? undefined : (JSON.parse(text) as T);
      }),
    set: (key, value, options) =>
      guarded(address, async () => {
        const text = JSON.stringify(value);
        if (options?.ttlMs !== undefined) await client.set(at(key), text, "PX", Math.max(1, Math.ceil(options.ttlMs)));
        else await client.set(at(key), text);
      }),
    delete: (key) =>
      guarded(address, async () => {
        await client.del(at(key));
      }),
    increment: (key, by = 1, options) =>
      guarded(address, async () => Number(await client.eval(INCREMENT, 1, at(key), by, Math.ceil(options?.ttlMs ?? 0)))),
    claim: (key, owner, ttlMs) =>
      guarded(address, async () => Number(await client.eval(CLAIM, 1, at(key), JSON.stringify(owner), Math.max(1, Math.ceil(ttlMs)))) === 1),
    unclaim: (key, owner) =>
      guarded(address, async () => {
        await client.eval(UNCLAIM, 1, at(key), JSON.stringify(owner));
      }),
  };
}
