import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestRedis } from "../state/start-redis-server.js";
import { type RunningCli, runCli, writeConfig } from "./harness.js";
import { type InstancesOnRedis, redisServerBinary, startInstancesOnRedis } from "./instances-on-redis.js";

// Three real `toolshim serve` processes sharing one private redis-server (state.kind: redis), in front of the
// OpenAI-compatible double, driven by the openai client. Skipped where redis-server is not installed; .ci/run
// installs it and sets TOOLSHIM_REDIS, which makes it required.

const MODEL = "emulated";

describe.runIf(redisServerBinary())("three gateway instances on one Redis", () => {
  let cluster: InstancesOnRedis | undefined;
  let redis: TestRedis;
  let double: OpenAIDouble;
  let instances: RunningCli[] = [];
  const clients = (apiKey = "plain-key-12345") => instances.map((instance) => new OpenAI({ baseURL: instance.baseURL, apiKey, maxRetries: 0 }));

  beforeAll(async () => {
    double = await startOpenAIDouble({ tools: "reject", chunkSize: 5 });
    cluster = await startInstancesOnRedis((state) => ({
      server: { keepAliveMs: 1000, apiKeys: ["plain-key-12345"], keys: [{ name: "agent", key: "agent-key-12345", requestsPerMinute: 4 }] },
      providers: { local: { use: "generic", baseURL: double.url, tools: "emulate" } },
      models: [{ id: MODEL, provider: "local", upstreamModel: "double-model" }],
      // A SQLite directory is never created: with shared state the responses live on Redis.
      storage: { kind: "sqlite", dir: "/nonexistent/toolshim-should-not-write-here" },
      state,
    }), { keyPrefix: "e2e" });
    ({ redis, instances } = cluster);
  });
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("continues a previous_response_id chain whose turns go to different instances", async () => {
    const [a, b, c] = clients() as [OpenAI, OpenAI, OpenAI];
    double.script({ text: "Oslo is cold." });
    const first = await a.responses.create({ model: MODEL, input: "Weather in Oslo?" });
    double.script({ text: "Colder tomorrow." });
    const second = await b.responses.stream({ model: MODEL, input: "And tomorrow?", previous_response_id: first.id }).finalResponse();
    double.script({ text: "Bring a coat." });
    const third = await c.responses.create({ model: MODEL, input: "Advice?", previous_response_id: second.id });
    expect(third.output_text).toBe("Bring a coat.");

    const history = (double.chatRequests().at(-1)!.body.messages as { role: string; content: string }[]).map((m) => [m.role, m.content]);
    expect(history).toEqual([
      ["user", "Weather in Oslo?"],
      ["assistant", "Oslo is cold."],
      ["user", "And tomorrow?"],
      ["assistant", "Colder tomorrow."],
      ["user", "Advice?"],
    ]);
    // Every instance reads and deletes what any other stored.
    expect((await c.responses.retrieve(first.id)).output_text).toBe("Oslo is cold.");
    await a.responses.delete(second.id);
    await expect(b.responses.retrieve(second.id)).rejects.toMatchObject({ status: 404 });
    await expect(c.responses.create({ model: MODEL, input: "?", previous_response_id: third.id })).rejects.toMatchObject({ status: 400 });
  });

  it("holds a key's requests-per-minute limit across instances", async () => {
    // Windows are whole minutes: start early in one, so the five requests below share it.
    const second = new Date().getSeconds();
    if (second > 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    const agents = clients("agent-key-12345");
    double.script({ text: "ok" });
    for (let i = 0; i < 4; i++) {
      const answer = await agents[i % 3]!.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: `n${i}` }] });
      expect(answer.choices[0]!.message.content).toBe("ok");
    }
    for (const agent of agents) {
      const refused = await agent.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "over" }] }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
      expect(Number((refused as { headers: Headers }).headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Another key is not counted against it.
    expect((await clients()[2]!.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "plain" }] })).choices[0]!.message.content).toBe("ok");
  }, 30_000);

  it("answers 503 shared_state_unavailable while Redis is down and recovers by itself when it returns", async () => {
    const [a, b] = clients() as [OpenAI, OpenAI];
    double.script({ text: "Before." });
    const before = await a.responses.create({ model: MODEL, input: "One" });
    const upstreamCalls = double.chatRequests().length;

    await redis.stop();
    const chained = await b.responses.create({ model: MODEL, input: "Two", previous_response_id: before.id }).catch((error: unknown) => error);
    expect(chained).toMatchObject({ status: 503, code: "shared_state_unavailable" });
    expect((chained as Error).message).toContain(`Redis at ${redis.url}`);
    const storing = await a.responses.create({ model: MODEL, input: "Three" }).catch((error: unknown) => error);
    expect(storing).toMatchObject({ status: 503, code: "shared_state_unavailable" });
    // Failed before any upstream work.
    expect(double.chatRequests().length).toBe(upstreamCalls);
    const health = () => fetch(`${instances[0]!.url}/health`, { headers: { authorization: "Bearer plain-key-12345" } }).then((response) => response.json());
    expect(await health()).toMatchObject({ status: "degraded", state: { kind: "redis", status: "down", redis: redis.url } });
    // Requests that need no shared state still work.
    double.script({ text: "Stateless." });
    const chat = await a.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
    expect(chat.choices[0]!.message.content).toBe("Stateless.");

    await redis.start();
    // Bounded wait for the instances' own reconnect (back-off at most 1 s); nobody restarts them.
    let after: OpenAI.Responses.Response | undefined;
    for (let attempt = 0; attempt < 60 && !after; attempt++) {
      double.script({ text: "Back." });
      after = await b.responses.create({ model: MODEL, input: "Four" }).catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 250)));
    }
    expect(after?.output_text).toBe("Back.");
    expect(await health()).toMatchObject({ state: { kind: "redis", status: "ok" } });
    const lost = instances[0]!.logs().find((line) => String(line.msg).startsWith("lost the connection to Redis"));
    expect(lost).toBeDefined();
  });
});

describe("state.kind: redis with Redis down at start", () => {
  it("refuses to start with the address, no password, and what to do", async () => {
    const config = await writeConfig({
      providers: { local: { use: "generic", baseURL: "http://127.0.0.1:9/v1", tools: "emulate" } },
      models: [{ id: MODEL, provider: "local" }],
      state: { kind: "redis", url: "redis://:hunter2-secret@127.0.0.1:1", connectTimeoutMs: 2_000 },
    });
    const run = await runCli(["serve", "--port", "0", "--host", "127.0.0.1", "--config", config]);
    expect(run.code).not.toBe(0);
    const output = run.stdout + run.stderr;
    expect(output).toContain("Redis at redis://127.0.0.1:1 cannot be reached");
    expect(output).not.toContain("hunter2-secret");
  });
});
