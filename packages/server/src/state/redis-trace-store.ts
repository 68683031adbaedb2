import type { Redis } from "ioredis";
import type { SharedTraces, SharedTraceLimits } from "../console/shared-traces.js";
import type { TraceSummary } from "../console/request-trace.js";

// Keys under P (ARGV[1]): P:t:<id> the trace's JSON (expiring); P:index a sorted set of ids by arrival; P:summaries a
// hash id → summary JSON (the list reads only these); P:sizes a hash id → bytes; P:bytes their total. As for stored
// responses, sizes live outside the trace so one Redis already expired still gives its bytes back.
const REMOVE = `
local function remove(p, id)
  local bytes = redis.call('HGET', p..':sizes', id)
  redis.call('ZREM', p..':index', id)
  redis.call('HDEL', p..':sizes', id)
  redis.call('HDEL', p..':summaries', id)
  if bytes then redis.call('DECRBY', p..':bytes', bytes) end
  redis.call('DEL', p..':t:'..id)
end
`;

// ARGV: prefix, id, at, summary, json, bytes, now, ttlMs, maxTraces, maxBytes. One script: instances adding at once
// cannot interleave between the write and the eviction. The bookkeeping keys expire with the newest trace, so a
// deployment that turns the console off leaves nothing behind after the TTL.
const PUT = `${REMOVE}
local p, id, now, ttl = ARGV[1], ARGV[2], tonumber(ARGV[7]), tonumber(ARGV[8])
remove(p, id)
redis.call('SET', p..':t:'..id, ARGV[5], 'PX', ttl)
redis.call('ZADD', p..':index', ARGV[3], id)
redis.call('HSET', p..':summaries', id, ARGV[4])
redis.call('HSET', p..':sizes', id, ARGV[6])
redis.call('INCRBY', p..':bytes', ARGV[6])
for _, old in ipairs(redis.call('ZRANGEBYSCORE', p..':index', '-inf', '('..(now - ttl))) do remove(p, old) end
for _ = 1, redis.call('ZCARD', p..':index') do
  local total = tonumber(redis.call('GET', p..':bytes') or '0')
  if redis.call('ZCARD', p..':index') <= tonumber(ARGV[9]) and total <= tonumber(ARGV[10]) then break end
  remove(p, redis.call('ZRANGE', p..':index', 0, 0)[1])
end
for _, key in ipairs({'index', 'summaries', 'sizes', 'bytes'}) do redis.call('PEXPIRE', p..':'..key, ttl) end
return 1`;

// ARGV: prefix, oldest arrival kept, limit. Newest first.
const LIST = `
local p = ARGV[1]
local ids = redis.call('ZREVRANGEBYSCORE', p..':index', '+inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then return {} end
return redis.call('HMGET', p..':summaries', unpack(ids))`;

/**
 * The console's finished traces on Redis, readable by every instance with the same key prefix, bounded by count and
 * bytes (the oldest go first) and by age. Errors are the client's own (the caller says the shared view is down).
 */
export function createRedisTraceStore(client: Redis, prefix: string, limits: SharedTraceLimits, now: () => number = Date.now): SharedTraces {
  const p = `${prefix}:{traces}`;
  return {
    async put(summary, json) {
      const summaryJson = JSON.stringify(summary);
      const bytes = Buffer.byteLength(json) + Buffer.byteLength(summaryJson);
      await client.eval(PUT, 0, p, summary.id, summary.at, summaryJson, json, bytes, now(), Math.ceil(limits.ttlMs), limits.maxTraces, limits.maxBytes);
    },
    async list(limit) {
      const rows = (await client.eval(LIST, 0, p, now() - limits.ttlMs, limit)) as (string | null)[];
      return rows.flatMap((row) => (row === null ? [] : [JSON.parse(row) as TraceSummary]));
    },
    async get(id) {
      return (await client.get(`${p}:t:${id}`)) ?? undefined;
    },
  };
}
