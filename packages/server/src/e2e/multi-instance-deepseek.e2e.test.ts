import { type DeepSeekDouble, startDeepSeekDouble } from "@toolshim/provider-deepseek/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestRedis } from "../state/start-redis-server.js";
import type { RunningCli } from "./harness.js";
import { type InstancesOnRedis, redisServerBinary, startInstancesOnRedis } from "./instances-on-redis.js";

// Three real `toolshim serve` processes on one private redis-server, all using the same two DeepSeek accounts
// (one stream each) on the DeepSeek protocol double, which counts the streams each account has open at once.

const TOKENS = ["acct-1", "acct-2"];
const LEASE_TTL_MS = 1_500;

describe.runIf(redisServerBinary())("DeepSeek accounts shared by three instances on one Redis", () => {
  let cluster: InstancesOnRedis | undefined;
  let redis: TestRedis;
  let double: DeepSeekDouble;
  let instances: RunningCli[] = [];
  const client = (instance: RunningCli) => new OpenAI({ baseURL: instance.baseURL, apiKey: "unused", maxRetries: 0, timeout: 60_000 });

  beforeAll(async () => {
    // Frames 2 ms apart so streams overlap. The double would serve 10 streams per token: it only counts them, so a
    // second stream on one account shows in peakLeases instead of being refused.
    double = await startDeepSeekDouble({ tokens: TOKENS, powDifficulty: 300, frameDelayMs: 2, maxConcurrentStreams: 10 });
    cluster = await startInstancesOnRedis(
      (state) => ({
        server: { keepAliveMs: 1000 },
        providers: {
          ds: { use: "deepseek", baseURL: double.url, accounts: TOKENS.map((token) => ({ token })), maxStreamsPerAccount: 1, queueTimeoutMs: 60_000, leaseTtlMs: LEASE_TTL_MS },
        },
        models: [{ id: "deepseek-chat", provider: "ds" }],
        storage: { kind: "memory" },
        state,
      }),
      { keyPrefix: "e2e-ds" },
    );
    ({ redis, instances } = cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("30 concurrent requests over three instances never put two streams on one account", async () => {
    double.setReply({ text: "A shared answer with several tokens in it." });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        client(instances[i % 3]!).chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: `question ${i}` }] }),
      ),
    );
    expect(answers.map((answer) => answer.choices[0]!.message.content)).toEqual(Array(30).fill("A shared answer with several tokens in it."));
    expect(Object.fromEntries(double.state.peakLeases)).toEqual({ "acct-1": 1, "acct-2": 1 });
    // Both accounts did work, each request exactly once (no throttled retries).
    const completions = double.requestsTo("chat/completion");
    expect(completions).toHaveLength(30);
    expect(new Set(completions.map((request) => request.token))).toEqual(new Set(TOKENS));
  });

  it("kill -9 of an instance mid-stream frees its account slots within the lease TTL", async () => {
    const [victim, survivor] = [instances[0]!, instances[1]!];
    // A finished answer's tail (title, close) is still read after the client has its answer; holding streams
    // now would hold that tail and its account too.
    for (let i = 0; i < 200 && double.state.leases.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const release = double.holdStreams();
    // Two held streams on the victim take both accounts.
    const held = [0, 1].map((i) =>
      client(victim).chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: `held ${i}` }], stream: true }),
    );
    const streams = await Promise.all(held);
    const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
    await Promise.all(iterators.map((iterator) => iterator.next()));
    expect(double.state.leases.size).toBe(2);

    victim.process.kill("SIGKILL");
    await Promise.all(iterators.map((iterator) => iterator.next().catch(() => undefined)));
    release();
    // Nobody releases the victim's slots: they lapse after the TTL, and the survivor's request then gets an account.
    double.setReply({ text: "After the crash." });
    const answer = await client(survivor).chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "after" }] });
    expect(answer.choices[0]!.message.content).toBe("After the crash.");
    expect(Math.max(...double.state.peakLeases.values())).toBe(1);
  });

  it("answers 503 shared_state_unavailable while Redis is down, then serves again when it returns", async () => {
    const survivor = instances[2]!;
    await redis.stop();
    const refused = await client(survivor)
      .chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "no redis" }] })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 503, code: "shared_state_unavailable" });
    await redis.start();
    double.setReply({ text: "Redis is back." });
    let answer: string | null | undefined;
    for (let attempt = 0; attempt < 60 && answer === undefined; attempt++) {
      answer = await client(survivor)
        .chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "again" }] })
        .then((completion) => completion.choices[0]!.message.content)
        .catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 250)));
    }
    expect(answer).toBe("Redis is back.");
  });

  it("an account one instance saw throttled is left alone by the others until its cooldown ends", async () => {
    const [first, second] = [instances[1]!, instances[2]!];
    // Clear the accounts' slots and tails of earlier tests, so the throttled account is the one the next request takes.
    for (let i = 0; i < 200 && double.state.leases.size > 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    double.setReply({ text: "Served." });
    double.queueScenario({ kind: "rate-limit" });
    const before = double.requestsTo("chat/completion").length;
    expect((await client(first).chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "x" }] })).choices[0]!.message.content).toBe("Served.");
    const [throttled, rotatedTo] = double.requestsTo("chat/completion").slice(before).map((request) => request.token);
    expect(throttled).not.toBe(rotatedTo);

    const afterThrottle = double.requestsTo("chat/completion").length;
    for (let i = 0; i < 4; i++) {
      const answer = await client(second).chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: `y${i}` }] });
      expect(answer.choices[0]!.message.content).toBe("Served.");
    }
    expect(double.requestsTo("chat/completion").slice(afterThrottle).map((request) => request.token)).toEqual(Array(4).fill(rotatedTo));
  });
});
