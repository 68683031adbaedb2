import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load-config.js";
import { createLogger } from "../logging/create-logger.js";
import { openSharedState } from "./open-shared-state.js";
import { redisServerBinary, startRedisServer, type TestRedis } from "./start-redis-server.js";

const SECRET = "a-deployment-secret-of-enough-length-0123";

function opened(redis: TestRedis, extra: { secret?: string; console?: boolean }) {
  const config = resolveConfig({
    providers: { local: { use: "demo" } },
    models: [{ id: "demo", provider: "local" }],
    ...(extra.console ? { console: { enabled: true, adminKey: "admin-key-0123456789" } } : {}),
    state: { kind: "redis", url: redis.url, ...(extra.secret ? { secret: extra.secret } : {}) },
  });
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logs, shared: openSharedState(config, createLogger({ level: "info", destination, secrets: extra.secret ? [extra.secret] : [] })) };
}

describe("openSharedState embedded", () => {
  function embedded(state: Record<string, unknown> | undefined) {
    const config = resolveConfig({ providers: { local: { use: "demo" } }, models: [{ id: "demo", provider: "local" }], ...(state ? { state } : {}) });
    const logs: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    return { logs, shared: openSharedState(config, createLogger({ level: "info", destination, secrets: [SECRET] })) };
  }

  it("opens nothing, and warns once when Redis-only settings were written for it", async () => {
    const quiet = embedded(undefined);
    expect((await quiet.shared).providerState).toBeUndefined();
    const noisy = embedded({ kind: "embedded", secret: SECRET });
    expect((await noisy.shared).providerState).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(quiet.logs).toHaveLength(0);
    expect(noisy.logs).toHaveLength(1);
    expect(noisy.logs[0]).toMatchObject({ level: 40, settings: ["state.secret"] });
    expect(JSON.stringify(noisy.logs)).not.toContain(SECRET);
  });
});

describe.runIf(redisServerBinary())("openSharedState on Redis", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  it("with state.secret gives providers a sealer; without it, warns once and gives none", async () => {
    const withSecret = opened(redis, { secret: SECRET });
    const sealed = await withSecret.shared;
    expect(sealed.providerState?.sealer).toBeDefined();
    expect(withSecret.logs.filter((line) => String(line.msg).startsWith("state.secret is not set"))).toHaveLength(0);
    await sealed.close();

    const without = opened(redis, {});
    const plain = await without.shared;
    expect(plain.providerState?.sealer).toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(without.logs.filter((line) => String(line.msg).startsWith("state.secret is not set"))).toHaveLength(1);
    expect(JSON.stringify(withSecret.logs)).not.toContain(SECRET);
    await plain.close();
  });

  it("shares console traces only when the console is on", async () => {
    const off = await opened(redis, {}).shared;
    expect(off.traces).toBeUndefined();
    await off.close();
    const on = await opened(redis, { console: true }).shared;
    expect(on.traces?.address).toBe(redis.url);
    await on.close();
  });
});
