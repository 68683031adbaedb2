import { readBatches, UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { createGenericUpstream, type GenericLogger } from "./index.js";
import { startOpenAIDouble, type OpenAIDouble, type OpenAIDoubleOptions } from "./double/index.js";

let double: OpenAIDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function start(options?: OpenAIDoubleOptions) {
  double = await startOpenAIDouble(options);
  return double;
}

function recordingLogger() {
  const lines: Array<{ level: string; object: Record<string, unknown>; message?: string }> = [];
  const at = (level: string) => (object: Record<string, unknown>, message?: string) => void lines.push({ level, object, message });
  const logger: GenericLogger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return { model: "m", messages: [{ role: "user", content: "hi" }], options: {}, ...overrides };
}

async function collect(events: AsyncIterable<UpstreamEvent>): Promise<UpstreamEvent[]> {
  const out: UpstreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function failureOf(events: AsyncIterable<UpstreamEvent>): Promise<UpstreamError> {
  const error = await collect(events).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
}

const text = (events: UpstreamEvent[], type: "text" | "reasoning" = "text") =>
  events.flatMap((e) => (e.type === type ? [e.text] : [])).join("");

const weatherTool = { name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: true };

describe("generic provider: responses", () => {
  it("streams text, usage and the finish reason, asking for usage", async () => {
    const d = await start({ script: { text: "Hello world", usage: { prompt_tokens: 5, completion_tokens: 2 } } });
    const upstream = createGenericUpstream({ baseURL: d.url, apiKey: "k-123456", tools: "emulate" });
    const events = await collect(upstream.stream(request({ options: { maxTokens: 9, temperature: 0.5, stop: ["x"], seed: 3 } }), new AbortController().signal));
    expect(events.filter((e) => e.type === "text").length).toBeGreaterThan(1);
    expect(text(events)).toBe("Hello world");
    expect(events.at(-2)).toEqual({ type: "usage", inputTokens: 5, outputTokens: 2 });
    expect(events.at(-1)).toEqual({ type: "end", reason: "stop" });
    const [sent] = d.chatRequests();
    if (!sent) throw new Error("no chat request reached the double");
    expect(sent.headers.authorization).toBe("Bearer k-123456");
    expect(sent.body).toEqual({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 9,
      temperature: 0.5,
      stop: ["x"],
      seed: 3,
    });
  });

  it("turns a non-streaming JSON response into the same events", async () => {
    const d = await start({ script: { text: "Hello world", reasoning: "why", finishReason: "length" } });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "emulate", stream: false });
    const events = await collect(upstream.stream(request(), new AbortController().signal));
    expect(events.map((e) => e.type)).toEqual(["reasoning", "text", "usage", "end"]);
    expect(text(events)).toBe("Hello world");
    expect(text(events, "reasoning")).toBe("why");
    expect(events.at(-1)).toEqual({ type: "end", reason: "length" });
    expect(d.chatRequests()[0]?.body.stream).toBe(false);
    expect(d.chatRequests()[0]?.body.stream_options).toBeUndefined();
  });

  it("maps reasoning_content and reasoning deltas to reasoning events", async () => {
    const d = await start();
    d.enqueue({ reasoning: "step one", text: "done" }, { reasoning: "other field", reasoningField: "reasoning", text: "ok" });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "emulate" });
    const first = await collect(upstream.stream(request(), new AbortController().signal));
    expect(text(first, "reasoning")).toBe("step one");
    expect(first.findIndex((e) => e.type === "reasoning")).toBeLessThan(first.findIndex((e) => e.type === "text"));
    const second = await collect(upstream.stream(request(), new AbortController().signal));
    expect(text(second, "reasoning")).toBe("other field");
  });

  it("splits inline <think> into reasoning in native mode and leaves it alone when emulating", async () => {
    const reply = { text: "<think>plan it</think>\n\nThe answer", chunkSize: 3 };
    const d = await start({ script: reply });
    const native = await collect(createGenericUpstream({ baseURL: d.url, tools: "native" }).stream(request(), new AbortController().signal));
    expect(text(native, "reasoning")).toBe("plan it");
    expect(text(native)).toBe("The answer");
    const emulated = await collect(createGenericUpstream({ baseURL: d.url, tools: "emulate" }).stream(request(), new AbortController().signal));
    expect(text(emulated)).toBe(reply.text);
    expect(text(emulated, "reasoning")).toBe("");
  });

  it("passes tools natively and maps delta.tool_calls to native-tool-call events", async () => {
    const d = await start({
      tools: "native",
      script: { toolCalls: [{ id: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' }, { id: "call_b", name: "get_weather", arguments: "{}" }], chunkSize: 5 },
    });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "native" });
    const events = await collect(
      upstream.stream(
        request({
          messages: [
            { role: "system", content: "be brief", developer: true },
            { role: "user", content: [{ type: "text", text: "look" }, { type: "image", url: "data:image/png;base64,AA", detail: "low" }] },
            { role: "assistant", content: null, toolCalls: [{ id: "call_0", name: "get_weather", arguments: '{"city":"Rome"}' }] },
            { role: "tool", toolCallId: "call_0", name: "get_weather", content: "sunny" },
          ],
          tools: [weatherTool],
          toolChoice: { type: "function", name: "get_weather" },
          parallelToolCalls: false,
          responseFormat: { type: "json_object" },
        }),
        new AbortController().signal,
      ),
    );
    const calls = events.filter((e) => e.type === "native-tool-call");
    expect(calls[0]).toEqual({ type: "native-tool-call", index: 0, id: "call_a", name: "get_weather", argumentsDelta: "" });
    expect(calls.filter((c) => c.index === 0).map((c) => c.argumentsDelta).join("")).toBe('{"city":"Paris"}');
    expect(calls.filter((c) => c.index === 1).map((c) => c.argumentsDelta).join("")).toBe("{}");
    expect(calls.filter((c) => c.name !== undefined).map((c) => c.index)).toEqual([0, 1]);
    expect(events.at(-1)).toEqual({ type: "end", reason: "tool-calls" });

    const body = d.chatRequests()[0]?.body;
    expect(body.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AA", detail: "low" } }] },
      { role: "assistant", content: null, tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
      { role: "tool", tool_call_id: "call_0", content: "sunny" },
    ]);
    expect(body.tools).toEqual([{ type: "function", function: { name: "get_weather", description: "Weather", parameters: weatherTool.parameters, strict: true } }]);
    expect(body.tool_choice).toEqual({ type: "function", function: { name: "get_weather" } });
    expect(body.parallel_tool_calls).toBe(false);
    expect(body.response_format).toEqual({ type: "json_object" });
  });

  it("maps native tool calls of a non-streaming response", async () => {
    const d = await start({ tools: "native", script: { toolCalls: [{ id: "call_x", name: "get_weather", arguments: '{"city":"Oslo"}' }] } });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "native", stream: false });
    const events = await collect(upstream.stream(request({ tools: [weatherTool] }), new AbortController().signal));
    expect(events.filter((e) => e.type === "native-tool-call")).toEqual([
      { type: "native-tool-call", index: 0, id: "call_x", name: "get_weather", argumentsDelta: '{"city":"Oslo"}' },
    ]);
    expect(events.at(-1)).toEqual({ type: "end", reason: "tool-calls" });
  });
});

describe("generic provider: tool modes", () => {
  it("auto: falls back to emulation when the upstream rejects tools, remembers it and logs once", async () => {
    const d = await start({ tools: "reject", script: "plain answer" });
    const { logger, lines } = recordingLogger();
    const upstream = createGenericUpstream({ baseURL: d.url, logger });
    expect(upstream.toolMode("m")).toBe("native");
    const error = await failureOf(upstream.stream(request({ tools: [weatherTool] }), new AbortController().signal));
    expect(error).toMatchObject({ code: "tools_unsupported", retryable: true, upstreamStatus: 400 });
    expect(error.message).toContain("m does not support tools");
    expect(upstream.toolMode("m")).toBe("emulate");
    expect(upstream.toolMode("other")).toBe("native");

    // The engine re-plans with toolMode() and sends the emulated request (tools rendered into text, none passed).
    const events = await collect(upstream.stream(request(), new AbortController().signal));
    expect(text(events)).toBe("plain answer");
    expect(d.chatRequests().map((r) => r.body.tools === undefined)).toEqual([false, true]);
    upstream.noteToolsIgnored("m");
    expect(lines.filter((l) => l.level === "info" && l.object.model === "m")).toHaveLength(1);
  });

  it("auto: llama.cpp's 500 'tools param requires --jinja flag' counts as a tools rejection; other 500s do not", async () => {
    const d = await start({ tools: "ignore" });
    d.enqueue(
      { failure: { kind: "http", status: 500, message: "model crashed", type: "server_error" } },
      { failure: { kind: "http", status: 500, message: "tools param requires --jinja flag", type: "server_error" } },
    );
    const upstream = createGenericUpstream({ baseURL: d.url });
    const crash = await failureOf(upstream.stream(request({ tools: [weatherTool] }), new AbortController().signal));
    expect(crash).toMatchObject({ status: 502, code: "upstream_error" });
    expect(upstream.toolMode("m")).toBe("native");
    const jinja = await failureOf(upstream.stream(request({ tools: [weatherTool] }), new AbortController().signal));
    expect(jinja).toMatchObject({ code: "tools_unsupported", upstreamStatus: 500 });
    expect(upstream.toolMode("m")).toBe("emulate");
  });

  it("native (not auto): a tools rejection is a plain 400 and the mode stays native", async () => {
    const d = await start({ tools: "reject" });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "native" });
    const error = await failureOf(upstream.stream(request({ tools: [weatherTool] }), new AbortController().signal));
    expect(error.status).toBe(400);
    expect(error.code).not.toBe("tools_unsupported");
    expect(upstream.toolMode("m")).toBe("native");
  });

  it("noteToolsIgnored switches only auto models to emulation", async () => {
    const upstream = createGenericUpstream({
      baseURL: "http://127.0.0.1:9/v1",
      tools: "auto",
      models: [{ id: "auto-model" }, { id: "native-model", tools: "native" }, { id: "emulated-model", tools: "emulate" }],
    });
    expect(["auto-model", "native-model", "emulated-model"].map((m) => upstream.toolMode(m))).toEqual(["native", "native", "emulate"]);
    upstream.noteToolsIgnored("auto-model");
    upstream.noteToolsIgnored("native-model");
    expect(["auto-model", "native-model", "emulated-model"].map((m) => upstream.toolMode(m))).toEqual(["emulate", "native", "emulate"]);
    const models = await upstream.listModels();
    expect(models.map((m) => [m.id, m.capabilities.nativeTools])).toEqual([
      ["auto-model", false],
      ["native-model", true],
      ["emulated-model", false],
    ]);
  });

  it("emulate mode sends no tools or response_format even when given them", async () => {
    const d = await start({ tools: "reject" });
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "emulate" });
    await collect(upstream.stream(request({ tools: [weatherTool], responseFormat: { type: "json_object" } }), new AbortController().signal));
    expect(d.chatRequests()[0]?.body).not.toHaveProperty("tools");
    expect(d.chatRequests()[0]?.body).not.toHaveProperty("response_format");
  });

  it("folds system text into the first user turn for models without a system role", async () => {
    const d = await start();
    const upstream = createGenericUpstream({ baseURL: d.url, tools: "emulate", models: [{ id: "m", systemRole: false }] });
    await collect(upstream.stream(request({ messages: [{ role: "system", content: "rules" }, { role: "user", content: "hi" }] }), new AbortController().signal));
    expect(d.chatRequests()[0]?.body.messages).toEqual([{ role: "user", content: "rules\n\nhi" }]);
    expect((await upstream.listModels())[0]?.capabilities.systemRole).toBe(false);
  });

  it("discovers models from /v1/models when none are configured", async () => {
    const d = await start({ models: ["qwen3:8b", "llama3.2"], apiKey: "sk-secret-key" });
    const upstream = createGenericUpstream({ baseURL: `${d.url}/`, apiKey: "sk-secret-key", tools: "emulate" });
    const models = await upstream.listModels();
    expect(models.map((m) => m.id)).toEqual(["qwen3:8b", "llama3.2"]);
    expect(models[0]?.capabilities).toEqual({ nativeTools: false, reasoning: false, systemRole: true, vision: false });
    const refused = createGenericUpstream({ baseURL: d.url, apiKey: "sk-wrong-key" });
    await expect(refused.listModels()).rejects.toMatchObject({ status: 502, code: "upstream_auth_failed" });
  });
});

describe("generic provider: batches", () => {
  /** A fetch answering with an SSE body whose pieces are exactly `pieces` (one network read each). */
  function fetchWithBody(pieces: string[]): typeof fetch {
    return async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const piece of pieces) controller.enqueue(new TextEncoder().encode(piece));
            controller.close();
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
  }
  const data = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  it("hands over every event of one network read as one batch", async () => {
    const upstream = createGenericUpstream({
      baseURL: "http://upstream.invalid/v1",
      tools: "emulate",
      fetch: fetchWithBody([data({ content: "a" }) + data({ content: "b" }) + data({ content: "c" }), data({}, "stop") + "data: [DONE]\n\n"]),
    });
    const batches = readBatches(upstream.stream(request(), new AbortController().signal));
    expect(await batches.next()).toEqual([
      { type: "text", text: "a" },
      { type: "text", text: "b" },
      { type: "text", text: "c" },
    ]);
    expect(await batches.next()).toEqual([{ type: "end", reason: "stop" }]);
    expect(await batches.next()).toBeUndefined();
  });

  it("hands over the events before a broken line in the same read, then fails", async () => {
    const upstream = createGenericUpstream({
      baseURL: "http://upstream.invalid/v1",
      tools: "emulate",
      fetch: fetchWithBody([data({ content: "a" }) + data({ content: "b" }) + "data: {broken\n\n"]),
    });
    const batches = readBatches(upstream.stream(request(), new AbortController().signal));
    expect(await batches.next()).toEqual([
      { type: "text", text: "a" },
      { type: "text", text: "b" },
    ]);
    await expect(batches.next()).rejects.toMatchObject({ status: 502, message: expect.stringContaining("not JSON") });
    expect(await batches.next()).toBeUndefined();
  });
});
