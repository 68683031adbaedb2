import { createStateSealer, LoginSession, scopedState, Secret } from "@toolshim/core/provider-utils";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "./redis-client.js";
import { createRedisProviderState } from "./redis-provider-state.js";
import { redisServerBinary, startRedisServer, type TestRedis } from "./start-redis-server.js";

describe.runIf(redisServerBinary())("redis provider state", () => {
  let redis: TestRedis;
  let client: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.dispose();
  });

  it("round-trips JSON values, deletes, and keeps prefixes apart", async () => {
    const one = createRedisProviderState(client, "a", "test");
    const other = createRedisProviderState(client, "b", "test");
    await one.set("token", { value: "t", until: 5 });
    expect(await one.get("token")).toEqual({ value: "t", until: 5 });
    expect(await other.get("token")).toBeUndefined();
    await one.delete("token");
    expect(await one.get("token")).toBeUndefined();
  });

  it("counts across clients, and expires what was set with a ttl", async () => {
    const second = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
    try {
      const a = createRedisProviderState(client, "c", "test");
      const b = createRedisProviderState(second, "c", "test");
      await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).increment("n")));
      expect(await a.get("n")).toBe(50);
      expect(await b.increment("n", -10)).toBe(40);

      await a.increment("short", 1, { ttlMs: 30 });
      await a.set("brief", true, { ttlMs: 30 });
      // Redis expires keys by its own clock: poll, bounded, instead of sleeping a guessed time.
      for (let i = 0; i < 100 && ((await a.get("short")) !== undefined || (await a.get("brief")) !== undefined); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await a.get("short")).toBeUndefined();
      expect(await a.get("brief")).toBeUndefined();
    } finally {
      second.disconnect();
    }
  });

  it("claims a key for one owner at a time across clients, and frees it on unclaim or expiry", async () => {
    const second = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
    try {
      const a = createRedisProviderState(client, "e", "test");
      const b = createRedisProviderState(second, "e", "test");
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).claim("slot", `owner-${i}`, 60_000)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const owner = `owner-${wins.indexOf(true)}`;
      expect(await a.claim("slot", owner, 60_000)).toBe(true);
      await b.unclaim("slot", "someone-else");
      expect(await b.claim("slot", "late", 60_000)).toBe(false);
      await b.unclaim("slot", owner);
      expect(await b.claim("slot", "late", 30)).toBe(true);
      let taken = false;
      for (let i = 0; i < 100 && !taken; i++) {
        taken = await a.claim("slot", "after-expiry", 60_000);
        if (!taken) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(taken).toBe(true);
    } finally {
      second.disconnect();
    }
  });

  it("lets LoginSessions on two connections sign in once, with nothing readable of the account or token in Redis", async () => {
    const second = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
    try {
      const sealer = await createStateSealer("a-deployment-secret-of-enough-length-0123");
      const states = [client, second].map((connection) => scopedState(createRedisProviderState(connection, "tokens", "test", sealer), "ds"));
      let signIns = 0;
      const login = async () => ({ token: new Secret(`upstream-token-${++signIns}`) });
      const sessions = states.map((state) => new LoginSession({ state, identity: "email:alice@example.com" }));
      const tokens = await Promise.all(sessions.map((session) => session.token({ login })));
      expect(tokens.map((token) => token.reveal())).toEqual(["upstream-token-1", "upstream-token-1"]);
      expect(signIns).toBe(1);
      const keys = await client.keys("tokens:*");
      expect(keys).toEqual([expect.stringMatching(/^tokens:\{state\}:ds:login:[0-9a-f]{64}$/)]);
      const key = keys[0] ?? "";
      const stored = (await client.get(key)) ?? "";
      expect(stored).not.toContain("upstream-token");
      expect(`${key}${stored}`).not.toContain("alice");
      // The token expires from Redis (12 h when the upstream gives no expiry).
      expect(await client.pttl(key)).toBeGreaterThan(11 * 60 * 60_000);
    } finally {
      second.disconnect();
    }
  });

  it("answers 503 shared_state_unavailable while Redis is gone, and works again when it returns", async () => {
    const state = createRedisProviderState(client, "d", "redis://127.0.0.1:test");
    await redis.stop();
    const failure = await state.get("x").catch((error: unknown) => error);
    expect(failure).toMatchObject({ status: 503, code: "shared_state_unavailable" });
    expect(String((failure as Error).message)).toContain("(Redis at redis://127.0.0.1:test) is not reachable");
    await redis.start();
    let recovered = false;
    for (let i = 0; i < 100 && !recovered; i++) {
      recovered = await state.set("x", 1).then(
        () => true,
        () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 50)),
      );
    }
    expect(recovered).toBe(true);
    expect(await state.get("x")).toBe(1);
  });
});

describe("connectRedis", () => {
  it("fails at start with the address (no password) and what to do", async () => {
    const failure = await connectRedis({ url: "redis://:hunter2@127.0.0.1:1", connectTimeoutMs: 2_000 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toContain("Redis at redis://127.0.0.1:1 cannot be reached");
    expect(message).toContain("remove the state section");
    expect(message).not.toContain("hunter2");
  });
});
