import { type CanonicalMessage, defaultDialect, type RenderContext } from "@toolshim/core";
import { checkChatCompletionChunks } from "@toolshim/core/testing";
import { type DeepSeekDouble, type ReplyContext, startDeepSeekDouble } from "@toolshim/provider-deepseek/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEmulatedPrompt } from "@toolshim/provider-demo";
import { type RunningCli, startCli, writeConfig } from "./harness.js";

// The real toolshim server (built CLI) with `use: deepseek` providers against the DeepSeek protocol double, driven
// by the openai client. `double` serves the feature and error tests; `poolDouble` (a frame every 3 ms, so streams
// overlap) serves four accounts for the rotation and abort tests.

type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
type Tool = OpenAI.Chat.Completions.ChatCompletionTool;

const weather: Tool = {
  type: "function",
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const time: Tool = {
  type: "function",
  function: { name: "get_time", description: "Local time", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};

const POOL_TOKENS = ["pool-1", "pool-2", "pool-3", "pool-4"];

let double: DeepSeekDouble;
let poolDouble: DeepSeekDouble;
let server: RunningCli;
let client: OpenAI;

beforeAll(async () => {
  double = await startDeepSeekDouble({
    tokens: ["main-token", "old-token", "throttled-token"],
    accounts: [{ email: "relogin@example.com", password: "right-password" }],
    powDifficulty: 500,
  });
  poolDouble = await startDeepSeekDouble({ tokens: POOL_TOKENS, powDifficulty: 500, frameDelayMs: 3, maxConcurrentStreams: 2 });
  const config = await writeConfig({
    server: { keepAliveMs: 1000 },
    providers: {
      ds: { use: "deepseek", baseUrl: double.url, accounts: [{ token: "main-token" }] },
      "ds-old": { use: "deepseek", baseUrl: double.url, accounts: [{ token: "old-token" }], headers: { clientVersion: "1.9.0" } },
      "ds-throttled": { use: "deepseek", baseUrl: double.url, accounts: [{ token: "throttled-token" }], rateLimitCooldownMs: 300 },
      "ds-relogin": { use: "deepseek", baseUrl: double.url, accounts: [{ email: "relogin@example.com", password: "right-password", token: "stale-token" }] },
      "ds-bad": { use: "deepseek", baseUrl: double.url, accounts: [{ name: "wrong-pw", email: "relogin@example.com", password: "wrong-password" }] },
      "ds-pool": { use: "deepseek", baseUrl: poolDouble.url, accounts: POOL_TOKENS.map((token) => ({ token })), maxStreamsPerAccount: 2 },
    },
    models: [
      { id: "deepseek-chat", provider: "ds" },
      { id: "deepseek-reasoner", provider: "ds" },
      { id: "old-chat", provider: "ds-old", upstreamModel: "deepseek-chat" },
      { id: "throttled-chat", provider: "ds-throttled", upstreamModel: "deepseek-chat" },
      { id: "relogin-chat", provider: "ds-relogin", upstreamModel: "deepseek-chat" },
      { id: "bad-chat", provider: "ds-bad", upstreamModel: "deepseek-chat" },
      { id: "pool-chat", provider: "ds-pool", upstreamModel: "deepseek-chat" },
    ],
    logging: { level: "debug" },
  });
  server = await startCli({ config });
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await server?.stop();
  await double?.close();
  await poolDouble?.close();
});

/** The flattened DeepSeek prompt back as messages, so the dialect's reader can see it the way a model does. */
function messagesOf(prompt: string): CanonicalMessage[] {
  const messages: CanonicalMessage[] = [];
  const body = prompt.replace("<｜begin▁of▁sentence｜>", "");
  for (const match of body.matchAll(/<｜(System|User|Assistant)｜>([\s\S]*?)(?=<｜(?:System|User|Assistant)｜>|$)/g)) {
    const text = match[2]!.replace(/<｜end▁of▁(?:instructions|sentence)｜>$/, "");
    if (match[1] === "System") messages.push({ role: "system", content: text });
    else if (match[1] === "User") messages.push({ role: "user", content: text });
    else if (text !== "") messages.push({ role: "assistant", content: text });
  }
  return messages;
}

/** The double's "model": calls both tools in toolshim's dialect (nonce read from the prompt), then answers from the results. */
function toolModel(context: ReplyContext): string {
  const prompt = readEmulatedPrompt(messagesOf(context.prompt), defaultDialect);
  if (!prompt.nonce) return "No tools offered.";
  if (prompt.results.length === 0) {
    const render: RenderContext = { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: prompt.nonce };
    return `Let me look both up.\n${[
      { name: "get_weather", arguments: { city: "Oslo" } },
      { name: "get_time", arguments: { city: "Lima" } },
    ]
      .map((call) => defaultDialect.renderCall({ id: "", name: call.name, arguments: JSON.stringify(call.arguments) }, render))
      .join("\n")}`;
  }
  const seen = prompt.results.map((result) => `${result.name}=${result.content}`).join("; ");
  return `Done: ${seen}.`;
}

async function streamAll(body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming) {
  const chunks: Chunk[] = [];
  let error: unknown;
  try {
    for await (const chunk of await client.chat.completions.create(body)) chunks.push(chunk);
  } catch (caught) {
    error = caught;
  }
  const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
  const reasoning = chunks.map((chunk) => (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "").join("");
  const finish = chunks.map((chunk) => chunk.choices[0]?.finish_reason).find((reason) => reason);
  return { chunks, error, text, reasoning, finish };
}

async function post(model: string, stream = false) {
  const response = await fetch(`${server.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error: { code: string; message: string } } };
}

async function health() {
  const response = await fetch(`${server.url}/health`);
  return (await response.json()) as { providers: Record<string, { status: string; inFlight: number; waiting: number; accounts: { account: string; status: string; inFlight: number }[] }> };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const openSessions = (d: DeepSeekDouble) => [...d.state.sessions.values()].filter((session) => !session.deleted).length;
const openStreams = (d: DeepSeekDouble) => [...d.state.leases.values()].reduce((sum, open) => sum + open, 0);

describe("chat through the deepseek provider", () => {
  it("answers a plain chat, streamed and not, and deletes its sessions", async () => {
    double.setReply("Hello from the web chat.");
    const completion = await client.chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "Say hello" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the web chat.");
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
    const streamed = await streamAll({ model: "deepseek-chat", messages: [{ role: "user", content: "Say hello" }], stream: true });
    expect(streamed.error).toBeUndefined();
    expect(streamed.text).toBe("Hello from the web chat.");
    expect(checkChatCompletionChunks(streamed.chunks, { includeUsage: false })).toEqual([]);
    const prompt = String((double.requestsTo("chat/completion").at(-1)!.body as { prompt: string }).prompt);
    expect(prompt).toBe("<｜begin▁of▁sentence｜><｜User｜>Say hello<｜Assistant｜>");
    await until(() => openSessions(double) === 0, "sessions deleted");
  });

  it("streams thinking as reasoning_content, separate from the answer", async () => {
    double.setReply({ text: "It is 42.", thinking: "Six times seven is forty-two." });
    const streamed = await streamAll({ model: "deepseek-reasoner", messages: [{ role: "user", content: "6×7?" }], stream: true });
    expect(streamed.error).toBeUndefined();
    expect(streamed.reasoning).toBe("Six times seven is forty-two.");
    expect(streamed.text).toBe("It is 42.");
    expect(double.requestsTo("chat/completion").at(-1)!.body).toMatchObject({ thinking_enabled: true });
  });

  it("runs a multi-turn tool conversation with parallel calls", async () => {
    double.setReply(toolModel);
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Oslo and time in Lima?" },
    ];
    const first = await streamAll({ model: "deepseek-chat", messages, tools: [weather, time], stream: true });
    expect(first.error).toBeUndefined();
    expect(first.finish).toBe("tool_calls");
    expect(checkChatCompletionChunks(first.chunks, { includeUsage: false })).toEqual([]);
    const calls: { id: string; name: string; arguments: string }[] = [];
    for (const chunk of first.chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[delta.index] ??= { id: "", name: "", arguments: "" };
        const call = calls[delta.index]!;
        call.id ||= delta.id ?? "";
        call.name ||= delta.function?.name ?? "";
        call.arguments += delta.function?.arguments ?? "";
      }
    }
    expect(calls.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
      ["get_weather", { city: "Oslo" }],
      ["get_time", { city: "Lima" }],
    ]);
    expect(first.text).toBe("Let me look both up.\n");
    // The web chat got the tools as text, inside a System block of the flattened prompt.
    const firstPrompt = String((double.requestsTo("chat/completion").at(-1)!.body as { prompt: string }).prompt);
    expect(firstPrompt.startsWith("<｜begin▁of▁sentence｜><｜System｜>You are terse.")).toBe(true);
    expect(firstPrompt).toContain("get_weather");

    messages.push(
      { role: "assistant", content: first.text, tool_calls: calls.map((call) => ({ id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } })) },
      { role: "tool", tool_call_id: calls[0]!.id, content: '{"temp":4}' },
      { role: "tool", tool_call_id: calls[1]!.id, content: '"09:30"' },
    );
    const second = await client.chat.completions.create({ model: "deepseek-chat", messages, tools: [weather, time] });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.content).toBe('Done: get_weather={"temp":4}; get_time="09:30".');
    // Every request used a fresh session that is gone now.
    await until(() => openSessions(double) === 0, "sessions deleted");
  });

  it("a re-login happens when the configured token is rejected", async () => {
    double.setReply("after login");
    const logins = double.requestsTo("users/login").length;
    const completion = await client.chat.completions.create({ model: "relogin-chat", messages: [{ role: "user", content: "x" }] });
    expect(completion.choices[0]!.message.content).toBe("after login");
    expect(double.requestsTo("users/login").length).toBe(logins + 1);
  });
});

describe("errors through the deepseek provider", () => {
  it("throttling: 429 with Retry-After when the only account is rate limited", async () => {
    double.queueScenario({ kind: "rate-limit" });
    const result = await post("throttled-chat");
    expect(result.status).toBe(429);
    expect(result.body.error.code).toBe("rate_limited");
    expect(result.headers.get("retry-after")).toBe("1");
    const accounts = (await health()).providers["ds-throttled"]!.accounts;
    expect(accounts[0]!.status).toBe("rate_limited");
  });

  it("client version too low: 502 naming headers.clientVersion", async () => {
    const result = await post("old-chat");
    expect(result.status).toBe(502);
    expect(result.body.error.code).toBe("client_version_too_low");
    expect(result.body.error.message).toContain("headers.clientVersion");
    expect(result.headers.get("x-should-retry")).toBe("false");
  });

  it("PoW rejected once is retried; twice is a 502", async () => {
    double.setReply("after a fresh challenge");
    double.queueScenario({ kind: "json-error", code: 40300, msg: "MISSING_HEADER" });
    const retried = await client.chat.completions.create({ model: "deepseek-chat", messages: [{ role: "user", content: "x" }] });
    expect(retried.choices[0]!.message.content).toBe("after a fresh challenge");
    double.queueScenario({ kind: "json-error", code: 40300, msg: "MISSING_HEADER" }, { kind: "json-error", code: 40300, msg: "MISSING_HEADER" });
    const failed = await post("deepseek-chat");
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe("pow_rejected");
  });

  it("content filter: finish_reason content_filter", async () => {
    double.setReply("Some history that gets filtered.");
    double.queueScenario({ kind: "content-filter" });
    const streamed = await streamAll({ model: "deepseek-chat", messages: [{ role: "user", content: "x" }], stream: true });
    expect(streamed.error).toBeUndefined();
    expect(streamed.finish).toBe("content_filter");
    expect(streamed.text).not.toContain("你好，这个问题我暂时无法回答");
  });

  it("input too long: 400 context_length_exceeded", async () => {
    double.queueScenario({ kind: "input-too-long" });
    const result = await post("deepseek-chat");
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe("context_length_exceeded");
  });

  it("WAF block: 502 upstream_blocked with a clear message", async () => {
    double.queueScenario({ kind: "waf", route: "chat_session/create" });
    const result = await post("deepseek-chat");
    expect(result.status).toBe(502);
    expect(result.body.error.code).toBe("upstream_blocked");
    expect(result.body.error.message).toContain("firewall");
  });

  it("a stream that drops after output ends with an error event, not a normal finish", async () => {
    double.setReply("A long answer that will be cut in the middle by a dropped connection, so the client must hear about it.");
    double.queueScenario({ kind: "drop", afterFrames: 10 });
    const streamed = await streamAll({ model: "deepseek-chat", messages: [{ role: "user", content: "x" }], stream: true });
    expect(streamed.text.length).toBeGreaterThan(0);
    expect(streamed.finish).toBeUndefined();
    expect(streamed.error).toBeInstanceOf(OpenAI.APIError);
    expect(String((streamed.error as Error).message)).toContain("DeepSeek");
    await until(() => openSessions(double) === 0, "the dropped request's session deleted");
  });

  it("a wrong password: 503, and /health shows the account's state", async () => {
    const result = await post("bad-chat");
    expect(result.status).toBe(503);
    expect(result.body.error.code).toBe("wrong_password");
    const provider = (await health()).providers["ds-bad"]!;
    expect(provider.status).toBe("down");
    expect(provider.accounts).toEqual([{ account: "wrong-pw", status: "wrong_password", inFlight: 0, maxStreams: 2, detail: "2 PASSWORD_OR_USER_NAME_IS_WRONG" }]);
  });

  it("no credential reaches the logs", async () => {
    const logs = JSON.stringify(server.logs());
    expect(logs.length).toBeGreaterThan(1000);
    const issued = [...double.state.tokens.keys()].filter((token) => !["main-token", "old-token", "throttled-token"].includes(token));
    expect(issued.length).toBeGreaterThan(0);
    for (const secret of ["main-token", "stale-token", "right-password", "wrong-password", ...issued]) expect(logs).not.toContain(secret);
  });
});

describe("the account pool under load", () => {
  it("rotates 20 concurrent requests over 4 accounts without ever exceeding 2 streams per account", async () => {
    poolDouble.setReply("pooled answer");
    const release = poolDouble.holdStreams();
    let maxPerToken = 0;
    const sampler = setInterval(() => {
      for (const open of poolDouble.state.leases.values()) maxPerToken = Math.max(maxPerToken, open);
    }, 5);
    const runs = Array.from({ length: 20 }, (_, i) => streamAll({ model: "pool-chat", messages: [{ role: "user", content: `request ${i}` }], stream: true }));
    let results: Awaited<(typeof runs)[number]>[];
    try {
      await until(async () => openStreams(poolDouble) === 8 && (await health()).providers["ds-pool"]!.waiting === 12, "8 streams open, 12 requests waiting");
      const during = (await health()).providers["ds-pool"]!;
      expect(during.inFlight).toBe(8);
      expect(during.accounts.map((account) => account.inFlight)).toEqual([2, 2, 2, 2]);
    } finally {
      release();
      results = await Promise.all(runs);
      clearInterval(sampler);
    }
    expect(results.map((result) => result.error)).toEqual(Array(20).fill(undefined));
    expect(results.every((result) => result.text === "pooled answer")).toBe(true);
    expect(maxPerToken).toBe(2);
    const served = POOL_TOKENS.map((token) => poolDouble.requestsTo("chat/completion").filter((request) => request.token === token).length);
    expect(served.reduce((a, b) => a + b, 0)).toBe(20);
    for (const count of served) expect(count).toBeGreaterThanOrEqual(2);
    const after = (await health()).providers["ds-pool"]!;
    expect(after.accounts.map((account) => account.status)).toEqual(["ok", "ok", "ok", "ok"]);
    await until(() => openSessions(poolDouble) === 0, "sessions deleted");
  });

  it("after 200 aborted streams no session is left and no account is leased", async () => {
    poolDouble.setReply(Array.from({ length: 1000 }, (_, i) => `word${i}`).join(" "));
    const before = poolDouble.requestsTo("chat/completion").length;
    let aborted = 0;
    const abortOne = async (i: number) => {
      const controller = new AbortController();
      try {
        const stream = await client.chat.completions.create(
          { model: "pool-chat", messages: [{ role: "user", content: `abort me ${i}` }], stream: true },
          { signal: controller.signal },
        );
        for await (const chunk of stream) {
          if (chunk.choices[0]?.delta.content) {
            controller.abort();
            aborted++;
            break;
          }
        }
      } catch (error) {
        if (!(error instanceof OpenAI.APIUserAbortError)) throw error;
      }
    };
    for (let batch = 0; batch < 10; batch++) await Promise.all(Array.from({ length: 20 }, (_, i) => abortOne(batch * 20 + i)));
    expect(aborted).toBe(200);
    await until(async () => openStreams(poolDouble) === 0 && openSessions(poolDouble) === 0, "the double to see every stream closed and session deleted");
    const pool = (await health()).providers["ds-pool"]!;
    expect(pool.inFlight).toBe(0);
    expect(pool.waiting).toBe(0);
    expect(pool.accounts.map((account) => [account.status, account.inFlight])).toEqual(POOL_TOKENS.map(() => ["ok", 0]));
    // The double, like the real server, notices a closed stream a moment late, so a slot reused at once can meet a
    // concurrency refusal (a short hint stream); the provider then rests that account for a second and tries again,
    // which is why there may be a few more completion requests than clients. None is still open.
    const completions = poolDouble.requestsTo("chat/completion").slice(before);
    expect(completions.length).toBeGreaterThanOrEqual(200);
    expect(completions.filter((request) => request.outcome === "pending")).toEqual([]);
    console.log(`deepseek e2e: 200 aborted streams took ${completions.length} completion requests`);
  }, 120_000);
});
