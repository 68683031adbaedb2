import type { ResponseItem } from "@toolshim/core";
import type { Redis } from "ioredis";
import { guarded, sharedStateUnavailable } from "../state/redis-client.js";
import { itemsWithIds, type ResponseStore, type RetentionLimits, type StoredResponse, walkChain } from "./response-store.js";

// Keys under P (ARGV[1]): P:r:<id> a hash {json, at}; P:i:<item id> the id of the response owning the item;
// P:index a sorted set of ids by storage time; P:sizes a hash id → bytes; P:bytes their total. Sizes live outside the
// record so removing a record Redis already expired still gives its bytes back.
const REMOVE = `
local function remove(p, id)
  local bytes = redis.call('HGET', p..':sizes', id)
  redis.call('ZREM', p..':index', id)
  redis.call('HDEL', p..':sizes', id)
  if bytes then redis.call('DECRBY', p..':bytes', bytes) end
  return redis.call('DEL', p..':r:'..id)
end
`;

// ARGV: prefix, id, json, now, bytes, maxAgeMs, maxResponses, maxBytes, item ids…; one script, so instances storing
// at once cannot interleave between the write and the eviction.
const PUT = `${REMOVE}
local p, id, now, maxAge = ARGV[1], ARGV[2], tonumber(ARGV[4]), tonumber(ARGV[6])
remove(p, id)
redis.call('HSET', p..':r:'..id, 'json', ARGV[3], 'at', ARGV[4])
redis.call('PEXPIRE', p..':r:'..id, maxAge)
redis.call('ZADD', p..':index', now, id)
redis.call('HSET', p..':sizes', id, ARGV[5])
redis.call('INCRBY', p..':bytes', ARGV[5])
for i = 9, #ARGV do
  local key = p..':i:'..ARGV[i]
  local owner = redis.call('GET', key)
  -- An id already stored keeps its first owner: a client re-sending our output item must not shadow it.
  if not owner or redis.call('EXISTS', p..':r:'..owner) == 0 then redis.call('SET', key, id, 'PX', maxAge) end
end
for _, old in ipairs(redis.call('ZRANGEBYSCORE', p..':index', '-inf', '('..(now - maxAge))) do remove(p, old) end
for _ = 1, redis.call('ZCARD', p..':index') do
  local total = tonumber(redis.call('GET', p..':bytes') or '0')
  if redis.call('ZCARD', p..':index') <= tonumber(ARGV[7]) and total <= tonumber(ARGV[8]) then break end
  remove(p, redis.call('ZRANGE', p..':index', 0, 0)[1])
end
return 1`;

const DELETE = `${REMOVE}
return remove(ARGV[1], ARGV[2])`;

/**
 * Responses on Redis, shared by every gateway instance using the same `prefix`, with the same retention bounds as the
 * embedded stores (age, count, bytes; the oldest go first). The client belongs to the caller; `close` leaves it open.
 */
export function createRedisResponseStore(client: Redis, prefix: string, limits: RetentionLimits, address: string, now: () => number = Date.now): ResponseStore {
  const p = `${prefix}:{responses}`;
  const get = (id: string) =>
    guarded(address, async () => {
      const [json, at] = await client.hmget(`${p}:r:${id}`, "json", "at");
      if (json == null || at == null || Number(at) < now() - limits.maxAgeMs) return undefined;
      return JSON.parse(json) as StoredResponse;
    });
  return {
    put: (record) =>
      guarded(address, async () => {
        const json = JSON.stringify(record);
        const ids = itemsWithIds(record).map((item) => item.id);
        const { maxAgeMs, maxResponses, maxBytes } = limits;
        await client.eval(PUT, 0, p, record.response.id, json, now(), Buffer.byteLength(json), Math.ceil(maxAgeMs), maxResponses, maxBytes, ...ids);
      }),
    get,
    getItem: (id) =>
      guarded(address, async () => {
        const owner = await client.get(`${p}:i:${id}`);
        const record = owner === null ? undefined : await get(owner);
        return record && itemsWithIds(record).find((item) => item.id === id)?.item;
      }) as Promise<ResponseItem | undefined>,
    delete: (id) => guarded(address, async () => Number(await client.eval(DELETE, 0, p, id)) > 0),
    chain: (id) => walkChain(id, get),
    ready() {
      if (client.status !== "ready") throw sharedStateUnavailable(address, new Error(`connection ${client.status}`));
    },
    async close() {},
  };
}
