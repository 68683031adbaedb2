import { createChatCompletion, createScanner, defaultDialect, type ChatCompletionChunk, type Dialect } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { startOpenAIDouble, type OpenAIDouble, type RecordedRequest } from "./double/index.js";
import { createGenericUpstream } from "./index.js";

// The provider behind core's real engine, against the double: what the server will do, without HTTP in front.
// The default dialect with the parser's scanner, spelled out so the test does not depend on how core wires them.
const dialect: Dialect = { ...defaultDialect, createScanner };

let double: OpenAIDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

const tools = [
  { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];
const body = { model: "client-model", messages: [{ role: "user", content: "Weather in Paris?" }], tools };

/** Answers like a model that follows toolshim's prompt: a call in the default dialect, with the nonce it was given. */
function emulatedModel(request: RecordedRequest): string {
  const prompt = JSON.stringify(request.body.messages);
  const nonce = /<call:([A-Za-z0-9]+)>/.exec(prompt)?.[1];
  if (!nonce) return "I was not told about any tools.";
  return `Let me check. <call:${nonce}>{"name": "get_weather", "arguments": {"city": "Paris"}}</call:${nonce}>`;
}

async function drain(chunks: AsyncIterable<ChatCompletionChunk>) {
  const all: ChatCompletionChunk[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return all;
}

describe("generic provider behind the engine", () => {
  it("auto: a tools rejection re-plans to emulation, and the next request goes straight to emulation", async () => {
    double = await startOpenAIDouble({ tools: "reject", script: emulatedModel });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "auto" });
    const context = { upstream, upstreamModel: "m", signal: new AbortController().signal, dialect };

    const first = await createChatCompletion(body, context);
    if (first.stream) throw new Error("expected a non-streaming result");
    expect(first.response.choices[0]?.finish_reason).toBe("tool_calls");
    expect(first.response.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } });
    expect(double.chatRequests().map((r) => Array.isArray(r.body.tools))).toEqual([true, false]);

    const second = await createChatCompletion({ ...body, stream: true }, context);
    if (!second.stream) throw new Error("expected a streaming result");
    const chunks = await drain(second.chunks);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(double.chatRequests().map((r) => Array.isArray(r.body.tools))).toEqual([true, false, false]);
    expect(second.stats.mode).toBe("emulate");
  });

  it("native: upstream tool calls reach the client as tool calls", async () => {
    double = await startOpenAIDouble({ tools: "native", script: { toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }] } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "native" });
    const result = await createChatCompletion({ ...body, stream: true }, { upstream, upstreamModel: "m", signal: new AbortController().signal, dialect });
    if (!result.stream) throw new Error("expected a streaming result");
    const chunks = await drain(result.chunks);
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((t) => ("function" in t ? (t.function?.arguments ?? "") : "")).join("");
    expect(args).toBe('{"city":"Paris"}');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(double.chatRequests()[0]?.body.tools[0].function.name).toBe("get_weather");
  });

  it("auto: a model that writes tool markup instead of native calls is switched to emulation", async () => {
    double = await startOpenAIDouble({ tools: "ignore" });
    double.script((request) =>
      Array.isArray(request.body.tools) ? '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>' : emulatedModel(request),
    );
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "auto" });
    const context = { upstream, upstreamModel: "m", signal: new AbortController().signal, dialect };
    await createChatCompletion(body, context);
    expect(upstream.toolMode("m")).toBe("emulate");
    const next = await createChatCompletion(body, context);
    if (next.stream) throw new Error("expected a non-streaming result");
    expect(next.response.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather" } });
    expect(double.chatRequests().at(-1)?.body.tools).toBeUndefined();
  });
});
