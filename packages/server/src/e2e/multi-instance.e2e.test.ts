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
      server: { keepAliveMs: 1000, apiKeys: ["plain-key-12345"], keys: [
          { name: "agent", key: "agent-key-12345", requestsPerMinute: 4 },
          { name: "pair", key: "pair-key-12345", concurrentStreams: 2 },
          { name: "meter", key: "meter-key-12345", tokensPerMinute: 30 },
        ],
      },
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

  it("holds a key's concurrent streams across instances, in OpenAI's and Anthropic's shapes, and frees them at the end", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    double.script(async () => {
      await gate;
      return { text: "held" };
    });
    const [a, b, c] = clients("pair-key-12345") as [OpenAI, OpenAI, OpenAI];
    const reached = double.chatRequests().length;
    const streamed = async (client: OpenAI, content: string) => {
      let text = "";
      for await (const chunk of await client.chat.completions.create({ model: MODEL, stream: true, messages: [{ role: "user", content }] })) {
        text += chunk.choices[0]?.delta.content ?? "";
      }
      return text;
    };
    const held = [streamed(a, "first"), streamed(b, "second")];
    // Bounded wait until both are in flight at the double (they hold their slots while it waits).
    for (let i = 0; i < 200 && double.chatRequests().length < reached + 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(double.chatRequests().length).toBe(reached + 2);

    const refused = await streamed(c, "third").catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect((refused as Error).message).toContain("2 concurrent requests");
    expect(Number((refused as { headers: Headers }).headers.get("retry-after"))).toBeGreaterThan(0);
    const anthropic = await fetch(`${instances[2]!.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": "pair-key-12345", "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, max_tokens: 20, stream: true, messages: [{ role: "user", content: "fourth" }] }),
    });
    expect(anthropic.status).toBe(429);
    expect(await anthropic.json()).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    // Refused before any upstream work.
    expect(double.chatRequests().length).toBe(reached + 2);

    open();
    expect(await Promise.all(held)).toEqual(["held", "held"]);
    // The slots are given back when each stream ends (bounded wait: the release is a Redis round trip).
    let after: string | undefined;
    for (let attempt = 0; attempt < 40 && after === undefined; attempt++) {
      after = await streamed(c, "later").catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 100)));
    }
    expect(after).toBe("held");
  }, 30_000);

  it("holds a key's tokens per minute across instances", async () => {
    const second = new Date().getSeconds();
    if (second > 45) await new Promise((resolve) => setTimeout(resolve, (61 - second) * 1000));
    double.script({ text: "counted", usage: { prompt_tokens: 10, completion_tokens: 10 } });
    const meters = clients("meter-key-12345") as [OpenAI, OpenAI, OpenAI];
    const ask = (client: OpenAI) => client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "count me" }] });
    expect((await ask(meters[0])).usage?.total_tokens).toBe(20);
    expect((await ask(meters[1])).choices[0]!.message.content).toBe("counted");
    // 40 tokens are past the limit of 30 once both are counted (added when each request ends): the third instance
    // refuses the key. Bounded: every answer before the refusal only adds tokens.
    let refused: unknown;
    for (let attempt = 0; attempt < 40 && refused === undefined; attempt++) {
      refused = await ask(meters[2]).then(
        () => new Promise<undefined>((resolve) => setTimeout(resolve, 100)),
        (error: unknown) => error,
      );
    }
    expect(refused).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect((refused as Error).message).toContain("30 tokens per minute");
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
