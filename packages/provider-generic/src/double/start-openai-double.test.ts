import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIDouble, type OpenAIDouble } from "./index.js";

let double: OpenAIDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(...args: Parameters<typeof startOpenAIDouble>) {
  double = await startOpenAIDouble(...args);
  return double;
}

function client(d: OpenAIDouble, apiKey = "test-key") {
  return new OpenAI({ baseURL: d.url, apiKey, maxRetries: 0 });
}

const user = [{ role: "user" as const, content: "hi" }];

/** The raw SSE payloads of a streamed chat request. */
async function rawStream(d: OpenAIDouble, body: Record<string, unknown>) {
  const response = await fetch(`${d.url}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: user, stream: true, ...body }),
  });
  const text = await response.text();
  return { response, text, payloads: text.split("\n\n").filter(Boolean).map((block) => block.replace(/^data: /, "")) };
}

describe("OpenAI double: what the official openai client accepts", () => {
  it("streams a text reply the openai client assembles, with role, finish reason and usage", async () => {
    const d = await start({ script: { text: "Hello there, world", usage: { prompt_tokens: 7, completion_tokens: 3 } } });
    const stream = client(d).chat.completions.stream({ model: "m", messages: user, stream_options: { include_usage: true } });
    const deltas: string[] = [];
    stream.on("content", (delta) => deltas.push(delta));
    const completion = await stream.finalChatCompletion();
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello there, world" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(deltas.length).toBe(Math.ceil("Hello there, world".length / 4));
    expect(d.chatRequests()[0]?.body).toMatchObject({ model: "m", stream: true, stream_options: { include_usage: true } });
    expect(d.chatRequests()[0]?.outcome).toBe("completed");
  });

  it("frames SSE as data: lines ending in [DONE], usage chunk only when asked", async () => {
    const d = await start({ script: { text: ["ab", "cd"] } });
    const withUsage = await rawStream(d, { stream_options: { include_usage: true } });
    expect(withUsage.response.headers.get("content-type")).toBe("text/event-stream");
    expect(withUsage.text.split("\n\n").filter(Boolean).every((block) => block.startsWith("data: "))).toBe(true);
    expect(withUsage.payloads.at(-1)).toBe("[DONE]");
    const chunks = withUsage.payloads.slice(0, -1).map((p) => JSON.parse(p));
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.slice(1, 3).map((c) => c.choices[0].delta.content)).toEqual(["ab", "cd"]);
    expect(chunks[3].choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks[4]).toMatchObject({ choices: [], usage: { completion_tokens: 1 } });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    const without = await rawStream(d, {});
    expect(without.payloads).toHaveLength(5);
    expect(without.text).not.toContain('"usage"');
  });

  it("answers non-streaming requests with a chat.completion the client parses", async () => {
    const d = await start({ script: { text: "plain", reasoning: "hmm" } });
    const completion = await client(d).chat.completions.create({ model: "m", messages: user });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBe("plain");
    expect((completion.choices[0]?.message as unknown as { reasoning_content: string }).reasoning_content).toBe("hmm");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it("streams reasoning before content in reasoning_content or reasoning deltas", async () => {
    const d = await start({ script: { reasoning: "let me think", text: "ok", chunkSize: 6 } });
    const { payloads } = await rawStream(d, {});
    const deltas = payloads.slice(0, -1).map((p) => JSON.parse(p).choices[0].delta);
    expect(deltas.slice(1, 4)).toEqual([{ reasoning_content: "let me" }, { reasoning_content: " think" }, { content: "ok" }]);

    d.script({ reasoning: "x", reasoningField: "reasoning", text: "y" });
    const second = await rawStream(d, {});
    expect(JSON.parse(second.payloads[1] ?? "null").choices[0].delta).toEqual({ reasoning: "x" });
  });

  it("lists models, requires the bearer key when configured and records headers", async () => {
    const d = await start({ apiKey: "sekrit", models: ["a", "b"] });
    const models = await client(d, "sekrit").models.list();
    expect(models.data.map((m) => m.id)).toEqual(["a", "b"]);
    await expect(client(d, "wrong").models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect(d.requests.map((r) => r.headers.authorization)).toEqual(["Bearer sekrit", "Bearer wrong"]);
    await expect(client(d, "sekrit").chat.completions.create({ model: "c", messages: user })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });
});

describe("OpenAI double: scripting", () => {
  it("serves queued replies first, then the default, and scripts can read the request", async () => {
    const d = await start({
      script: (request) =>
        request.body.messages.some((m: { role: string }) => m.role === "tool") ? "got the result" : "no result yet",
    });
    d.enqueue("first", { text: "second" });
    const ask = (messages: OpenAI.ChatCompletionMessageParam[]) =>
      client(d).chat.completions.create({ model: "m", messages }).then((c) => c.choices[0]?.message.content);
    expect(await ask(user)).toBe("first");
    expect(await ask(user)).toBe("second");
    expect(await ask(user)).toBe("no result yet");
    const withResult: OpenAI.ChatCompletionMessageParam[] = [
      ...user,
      { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: "42" },
    ];
    expect(await ask(withResult)).toBe("got the result");
  });

  it("rejects tools with a 400 by default, ignores them when switched, and does not consume a reply on rejection", async () => {
    const d = await start();
    d.enqueue("after switching");
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const error = await client(d).chat.completions.create({ model: "m", messages: user, tools }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain("m does not support tools");
    d.setToolsMode("ignore");
    const completion = await client(d).chat.completions.create({ model: "m", messages: user, tools });
    expect(completion.choices[0]?.message.content).toBe("after switching");
  });

  it("returns scripted native tool calls in native mode, streamed and not", async () => {
    const d = await start({ tools: "native" });
    const reply = { toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }, { name: "noop", arguments: "{}" }] };
    d.enqueue(reply, reply);
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather" } }];
    const streamed = await client(d).chat.completions.stream({ model: "m", messages: user, tools }).finalChatCompletion();
    expect(streamed.choices[0]?.finish_reason).toBe("tool_calls");
    expect(streamed.choices[0]?.message.tool_calls).toEqual([
      { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
      { id: "call_double_1", type: "function", function: { name: "noop", arguments: "{}" } },
    ]);
    const plain = await client(d).chat.completions.create({ model: "m", messages: user, tools });
    expect(plain.choices[0]?.message.content).toBeNull();
    expect(plain.choices[0]?.message.tool_calls).toEqual(streamed.choices[0]?.message.tool_calls);
  });
});

describe("OpenAI double: failure modes", () => {
  it("fails with an HTTP status, OpenAI error body and headers (429 retry-after, 503)", async () => {
    const d = await start();
    d.enqueue(
      { failure: { kind: "http", status: 429, message: "slow down", headers: { "retry-after": "3" } } },
      { failure: { kind: "http", status: 503, message: "overloaded" } },
    );
    const limited = await client(d).chat.completions.create({ model: "m", messages: user }).catch((e) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.message).toContain("slow down");
    const down = await client(d).chat.completions.create({ model: "m", messages: user, stream: true }).catch((e) => e);
    expect(down).toBeInstanceOf(OpenAI.InternalServerError);
    expect(down.status).toBe(503);
  });

  it("resets the socket after N chunks: the client sees those chunks, then an error", async () => {
    const d = await start({ script: { text: ["a", "b", "c", "d"], failure: { kind: "reset", afterChunks: 2 } } });
    const seen: string[] = [];
    const run = async () => {
      const stream = await client(d).chat.completions.create({ model: "m", messages: user, stream: true });
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.content ?? "");
    };
    await expect(run()).rejects.toThrow();
    expect(seen).toEqual(["", "a"]);
    expect(await d.waitForOutcome(0)).toBe("reset");
  });

  it("stalls after N chunks until the client aborts, and records the abort", async () => {
    const d = await start({ script: { text: "abcdefgh", failure: { kind: "stall", afterChunks: 2 } } });
    const controller = new AbortController();
    const stream = await client(d).chat.completions.create({ model: "m", messages: user, stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    const run = (async () => {
      for await (const chunk of stream) {
        seen.push(chunk.choices[0]?.delta.content ?? "");
        if (seen.length === 2) setTimeout(() => controller.abort(), 20);
      }
    })();
    // openai-node ends the iteration quietly when its own signal aborts it.
    await run.catch(() => undefined);
    expect(controller.signal.aborted).toBe(true);
    expect(seen).toEqual(["", "abcd"]);
    expect(await d.waitForOutcome(0)).toBe("aborted");
  });

  it("hangs before headers until the client aborts (first-byte timeouts)", async () => {
    const d = await start({ script: { failure: { kind: "hang" } } });
    const request = client(d).chat.completions.create({ model: "m", messages: user }, { signal: AbortSignal.timeout(100) });
    await expect(request).rejects.toThrow();
    expect(await d.waitForOutcome(0)).toBe("aborted");
  });

  it("ends a stream early without finish_reason or [DONE]: the client notices", async () => {
    const d = await start({ script: { text: "abcdefgh", failure: { kind: "end-early", afterChunks: 2 } } });
    const error = await client(d).chat.completions.stream({ model: "m", messages: user }).finalChatCompletion().catch((e) => e);
    expect(String(error)).toMatch(/finish_reason/);
    const { text } = await rawStream(d, {});
    expect(text).not.toContain("[DONE]");
    expect(text).not.toContain("finish_reason\":\"stop");
  });

  it("sends a malformed data: line the client cannot parse", async () => {
    const d = await start({ script: { text: "abcdefgh", failure: { kind: "malformed", afterChunks: 1 } } });
    const run = async () => {
      const stream = await client(d).chat.completions.create({ model: "m", messages: user, stream: true });
      for await (const _ of stream) void _;
    };
    await expect(run()).rejects.toThrow(/JSON/);
  });

  it("delays headers and chunks as scripted", async () => {
    const d = await start({ script: { text: ["a", "b"], headersDelayMs: 60, delayMs: 30 } });
    const started = Date.now();
    const { payloads } = await rawStream(d, {});
    // Lower bounds only: the double must wait at least this long; no upper bound is asserted.
    expect(Date.now() - started).toBeGreaterThanOrEqual(60 + 3 * 30 - 5);
    expect(payloads.at(-1)).toBe("[DONE]");
  });

  it("answers unknown paths and bad bodies with OpenAI-shaped errors", async () => {
    const d = await start();
    const notFound = await fetch(`${d.url}/nope`);
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).error.message).toContain("/v1/nope");
    const bad = await fetch(`${d.url}/chat/completions`, { method: "POST", body: "{nope" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ type: "invalid_request_error" });
  });
});
