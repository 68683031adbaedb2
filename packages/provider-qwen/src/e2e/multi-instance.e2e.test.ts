import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningCli } from "../../../server/src/e2e/harness.js";
import { type InstancesOnRedis, redisServerBinary, startInstancesOnRedis } from "../../../server/src/e2e/instances-on-redis.js";
import { type QwenDouble, startQwenDouble } from "../double/index.js";

// Three real `toolshim serve` processes on one private redis-server (the server's own e2e helper), all using the same
// two Qwen Chat accounts, one stream each, on the Qwen double, which counts the streams each account has open at once.
// The provider is given by its folder (`use:` an absolute path), as a user may load an unpublished provider.

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const TOKENS = ["tok-1", "tok-2"];
const LEASE_TTL_MS = 1_500;

const settle = () => new Promise((resolve) => setTimeout(resolve, 25));

describe.runIf(redisServerBinary())("Qwen Chat accounts shared by three instances on one Redis", () => {
  let cluster: InstancesOnRedis | undefined;
  let double: QwenDouble;
  let instances: RunningCli[] = [];
  const client = (instance: RunningCli) => new OpenAI({ baseURL: instance.baseURL, apiKey: "unused", maxRetries: 0, timeout: 60_000 });
  const ask = (instance: RunningCli, content: string) =>
    client(instance)
      .chat.completions.create({ model: "qwen", messages: [{ role: "user", content }] })
      .then((completion) => completion.choices[0]?.message.content);
  const owners = () => [...double.chats.values()].map((chat) => chat.owner);

  beforeAll(async () => {
    // The double would serve ten streams per account: it only counts them, so an overlap shows in peakStreams.
    double = await startQwenDouble({ tokens: TOKENS, maxConcurrentStreams: 10, frameDelayMs: 2, keepAliveMs: 500 });
    cluster = await startInstancesOnRedis(
      (state) => ({
        server: { keepAliveMs: 1000 },
        providers: {
          qwen: {
            use: PACKAGE_DIR,
            baseURL: double.url,
            accounts: TOKENS.map((token, i) => ({ name: `account-${i + 1}`, token })),
            models: ["qwen3.7-plus"],
            maxStreamsPerAccount: 1,
            queueTimeoutMs: 60_000,
            leaseTtlMs: LEASE_TTL_MS,
          },
        },
        models: [{ id: "qwen", provider: "qwen", upstreamModel: "qwen3.7-plus" }],
        storage: { kind: "memory" },
        state,
      }),
      { keyPrefix: "e2e-qwen" },
    );
    ({ instances } = cluster);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("30 concurrent requests over three instances never put two streams on one account", async () => {
    double.setReply({ keepAlivesFirst: 1, answer: ["A shared ", "answer ", "in pieces."] });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(instances[i % 3] as RunningCli, `question ${i}`)));
    expect(answers).toEqual(Array(30).fill("A shared answer in pieces."));
    expect(double.peakStreams()).toEqual({ "tok-1": 1, "tok-2": 1 });
    // Each request reached Qwen Chat exactly once (no refused overlaps retried), on both accounts.
    expect(double.requestsTo("/chat/completions").filter((request) => !request.path.endsWith("/stop"))).toHaveLength(30);
    expect(new Set(owners())).toEqual(new Set(TOKENS));
  }, 120_000);

  it("kill -9 of an instance mid-stream frees its account slots within the lease TTL", async () => {
    const [victim, survivor] = instances as [RunningCli, RunningCli];
    for (let i = 0; i < 200 && double.openStreams() > 0; i++) await settle();
    double.setReply({ answer: ["held"], end: "stall" });
    // Two held streams on the victim take both accounts.
    const streams = await Promise.all(
      [0, 1].map((i) => client(victim).chat.completions.create({ model: "qwen", messages: [{ role: "user", content: `held ${i}` }], stream: true })),
    );
    const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
    await Promise.all(iterators.map((iterator) => iterator.next()));
    expect(double.openStreams()).toBe(2);

    victim.process.kill("SIGKILL");
    await Promise.all(iterators.map((iterator) => iterator.next().catch(() => undefined)));
    // Nobody releases the victim's slots: they lapse after the TTL, and the survivor's request then gets an account.
    double.setReply({ answer: ["After the crash."] });
    expect(await ask(survivor, "after")).toBe("After the crash.");
    expect(Math.max(...Object.values(double.peakStreams()))).toBe(1);
  }, 60_000);

  it("an account one instance saw throttled is left alone by the others until its rest ends", async () => {
    const [first, second] = [instances[1], instances[2]] as [RunningCli, RunningCli];
    for (let i = 0; i < 200 && double.openStreams() > 0; i++) await settle();
    double.setReply({ answer: ["Served."] });
    double.failNext({ kind: "stream-error", code: "Too_Many_Requests", details: "The chat is in progress!" });
    const before = owners().length;
    expect(await ask(first, "x")).toBe("Served.");
    const [throttled, movedTo] = owners().slice(before);
    expect(throttled).not.toBe(movedTo);

    const afterThrottle = owners().length;
    for (let i = 0; i < 4; i++) expect(await ask(second, `y${i}`)).toBe("Served.");
    expect(owners().slice(afterThrottle)).toEqual(Array(4).fill(movedTo));
  }, 60_000);
});
