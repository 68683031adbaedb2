import { type DeepSeekDouble, startDeepSeekDouble } from "@toolshim/provider-deepseek/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../state/redis-client.js";
import type { RunningCli } from "./harness.js";
import { type InstancesOnRedis, type RedisStateSection, redisServerBinary, startInstancesOnRedis } from "./instances-on-redis.js";

// Three real `toolshim serve` processes on one private redis-server, one DeepSeek account that signs in with an
// email and a password, and the DeepSeek protocol double counting the sign-ins it answers (web chats flag accounts
// that sign in from many places at once).

const EMAIL = "alice@example.com";
const PASSWORD = "alice-double-password";
const SECRET = "e2e-state-secret-0123456789abcdef0123";

const deepseekConfig = (double: DeepSeekDouble) => (state: RedisStateSection) => ({
  server: { keepAliveMs: 1000 },
  providers: { ds: { use: "deepseek", baseURL: double.url, accounts: [{ email: EMAIL, password: PASSWORD }], maxStreamsPerAccount: 4, queueTimeoutMs: 60_000 } },
  models: [{ id: "deepseek-chat", provider: "ds" }],
  storage: { kind: "memory" },
  state,
});

const ask = (instance: RunningCli, content: string) =>
  new OpenAI({ baseURL: instance.baseURL, apiKey: "unused", maxRetries: 0, timeout: 60_000 }).chat.completions
    .create({ model: "deepseek-chat", messages: [{ role: "user", content }] })
    .then((answer) => answer.choices[0]?.message.content);

/** Six concurrent requests, two per instance. */
const sixOver = (instances: RunningCli[], label: string) => Promise.all(Array.from({ length: 6 }, (_, i) => ask(nth(instances, i % instances.length), `${label} ${i}`)));

function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** The tokens the double issued to the one account and still accepts. */
const accountTokens = (double: DeepSeekDouble) => [...nth(double.state.accounts, 0).tokens];

describe.runIf(redisServerBinary())("DeepSeek login tokens shared by three instances on one Redis (state.secret set)", () => {
  let double: DeepSeekDouble;
  let cluster: InstancesOnRedis;
  const signIns = () => double.requestsTo("users/login").length;

  beforeAll(async () => {
    double = await startDeepSeekDouble({ accounts: [{ email: EMAIL, password: PASSWORD }], powDifficulty: 300, maxConcurrentStreams: 10, reply: "Signed in once." });
    cluster = await startInstancesOnRedis(deepseekConfig(double), { keyPrefix: "e2e-login", secret: SECRET });
  });
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("signs in exactly once for concurrent first requests on three instances", async () => {
    expect(await sixOver(cluster.instances, "first")).toEqual(Array(6).fill("Signed in once."));
    expect(signIns()).toBe(1);
    // Every instance used that one token.
    const tokens = new Set(double.requestsTo("chat_session/create").map((request) => request.token));
    expect(tokens.size).toBe(1);
  });

  it("signs in exactly once more after DeepSeek revokes the token", async () => {
    for (const token of accountTokens(double)) double.revokeToken(token);
    expect(await sixOver(cluster.instances, "after revoke")).toEqual(Array(6).fill("Signed in once."));
    expect(signIns()).toBe(2);
  });

  it("keeps neither the email nor the token readable in Redis or in the logs", async () => {
    const client = await connectRedis({ url: cluster.redis.url, connectTimeoutMs: 5_000 });
    try {
      const keys = (await client.keys("e2e-login:*")).filter((key) => key.includes(":login:"));
      expect(keys).toEqual([expect.stringMatching(/^e2e-login:\{state\}:ds:login:[0-9a-f]{64}$/)]);
      const key = nth(keys, 0);
      const stored = (await client.get(key)) ?? "";
      const token = nth(accountTokens(double), 0);
      for (const text of [key, stored]) {
        expect(text).not.toContain(EMAIL);
        expect(text).not.toContain(token);
      }
    } finally {
      client.disconnect();
    }
    const logs = cluster.instances.map((instance) => JSON.stringify(instance.logs())).join("\n");
    for (const token of double.state.tokens.keys()) expect(logs).not.toContain(token);
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toContain(SECRET);
  });
});

describe.runIf(redisServerBinary())("DeepSeek login tokens without state.secret", () => {
  let double: DeepSeekDouble;
  let cluster: InstancesOnRedis;

  beforeAll(async () => {
    double = await startDeepSeekDouble({ accounts: [{ email: EMAIL, password: PASSWORD }], powDifficulty: 300, maxConcurrentStreams: 10, reply: "Per instance." });
    cluster = await startInstancesOnRedis(deepseekConfig(double), { keyPrefix: "e2e-login-nosecret", count: 2 });
  });
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("warns once at start and keeps tokens per instance: each instance signs in on its own", async () => {
    for (const instance of cluster.instances) {
      // Log lines come on stdout, the banner the harness waits for on stderr: the two pipes are read independently.
      const warnings = () => instance.logs().filter((line) => String(line.msg).startsWith("state.secret is not set")).length;
      await expect.poll(warnings, { timeout: 10_000 }).toBe(1);
    }
    expect(await sixOver(cluster.instances, "unshared")).toEqual(Array(6).fill("Per instance."));
    expect(double.requestsTo("users/login")).toHaveLength(2);
  });
});
