import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SharedSummary } from "../console/shared-traces.js";
import { connectRedis } from "./redis-client.js";
import { createRedisTraceStore } from "./redis-trace-store.js";
import { redisServerBinary, startRedisServer, type TestRedis } from "./start-redis-server.js";

const summary = (id: string, at: number): SharedSummary => ({ id, at, api: "chat", stream: false, calls: 0, repairs: 0, notACalls: 0, done: true, instance: "host:1" });

describe.runIf(redisServerBinary())("redis trace store", () => {
  let redis: TestRedis;
  let client: Redis;
  let second: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
    second = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    client?.disconnect();
    second?.disconnect();
    await redis?.dispose();
  });

  it("lists newest first and opens by id from another connection", async () => {
    const now = 1_000_000;
    const writer = createRedisTraceStore(client, "a", { maxTraces: 10, maxBytes: 100_000, ttlMs: 60_000 }, () => now);
    const reader = createRedisTraceStore(second, "a", { maxTraces: 10, maxBytes: 100_000, ttlMs: 60_000 }, () => now);
    await writer.put(summary("tr_1", now - 2), '{"trace":1}');
    await writer.put(summary("tr_2", now - 1), '{"trace":2}');
    expect((await reader.list(10)).map((s) => s.id)).toEqual(["tr_2", "tr_1"]);
    expect((await reader.list(1)).map((s) => s.id)).toEqual(["tr_2"]);
    expect(await reader.get("tr_1")).toBe('{"trace":1}');
    expect(await reader.get("tr_missing")).toBeUndefined();
    expect((await reader.list(10))[0]?.instance).toBe("host:1");
  });

  it("keeps at most maxTraces and maxBytes across writers, dropping the oldest", async () => {
    const now = 2_000_000;
    const limits = { maxTraces: 3, maxBytes: 100_000, ttlMs: 60_000 };
    const stores = [client, second].map((connection) => createRedisTraceStore(connection, "b", limits, () => now));
    for (let i = 0; i < 5; i++) await stores[i % 2]?.put(summary(`tr_${i}`, now - 10 + i), `{"n":${i}}`);
    expect((await stores[0]?.list(10))?.map((s) => s.id)).toEqual(["tr_4", "tr_3", "tr_2"]);
    expect(await stores[1]?.get("tr_0")).toBeUndefined();

    const small = createRedisTraceStore(client, "c", { maxTraces: 100, maxBytes: 2_000, ttlMs: 60_000 }, () => now);
    const body = JSON.stringify({ text: "x".repeat(600) });
    for (let i = 0; i < 6; i++) await small.put(summary(`tr_${i}`, now - 10 + i), body);
    expect(Number(await client.get("c:{traces}:bytes"))).toBeLessThanOrEqual(2_000);
    const kept = (await small.list(100)).map((s) => s.id);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(6);
    expect(kept[0]).toBe("tr_5");
  });

  it("drops traces past the TTL and lets every key it writes expire", async () => {
    let now = 3_000_000;
    const store = createRedisTraceStore(client, "d", { maxTraces: 100, maxBytes: 100_000, ttlMs: 10_000 }, () => now);
    await store.put(summary("tr_old", now), "{}");
    now += 20_000;
    await store.put(summary("tr_new", now), "{}");
    expect((await store.list(10)).map((s) => s.id)).toEqual(["tr_new"]);
    const keys = await client.keys("d:*");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(10_000);
    }
  });
});
