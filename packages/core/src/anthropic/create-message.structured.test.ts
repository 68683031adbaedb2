import { describe, expect, it } from "vitest";
import { createReplayUpstream, type ReplayResponse } from "../testing/create-replay-upstream.js";
import { createMessage } from "./create-message.js";
import type { AnthropicStreamEvent } from "./message-encoder.js";

/** The text of a delta of the given type (`partial_json` or `text`), or "". */
function deltaText(event: AnthropicStreamEvent, type: "input_json_delta" | "text_delta"): string {
  if (event.type !== "content_block_delta") return "";
  const delta = event.delta as { type?: string; partial_json?: string; text?: string };
  if (delta.type !== type) return "";
  return (type === "text_delta" ? delta.text : delta.partial_json) ?? "";
}

const weather = {
  type: "object",
  properties: { city: { type: "string" }, days: { type: "integer" } },
  required: ["city"],
  additionalProperties: false,
};
const body = {
  model: "claude-x",
  max_tokens: 100,
  tools: [{ name: "get_weather", input_schema: weather, strict: true }],
  messages: [{ role: "user", content: "Weather in Paris?" }],
};
const invalid = '<call:{{nonce}}>{"name":"get_weather","arguments":{"city":"Paris","days":"two"}}</call:{{nonce}}>';
const valid = '<call:{{nonce}}>{"name":"get_weather","arguments":{"city":"Paris","days":2}}</call:{{nonce}}>';

function context(responses: ReplayResponse[]) {
  const upstream = createReplayUpstream({ responses });
  return { upstream, upstreamModel: "replay", signal: new AbortController().signal };
}

describe("Anthropic strict tools through the engine", () => {
  it("never deliver an invalid input: the model is asked again with the reason", async () => {
    const ctx = context([{ text: invalid, chunkSize: 9 }, { text: valid, chunkSize: 9 }]);
    const result = await createMessage(body, ctx);
    if (result.stream) throw new Error("expected a message");
    expect(result.message.content).toEqual([{ type: "tool_use", id: expect.any(String), name: "get_weather", input: { city: "Paris", days: 2 } }]);
    expect(result.message.stop_reason).toBe("tool_use");
    expect(ctx.upstream.requests).toHaveLength(2);
    expect(JSON.stringify(ctx.upstream.requests[1]?.messages)).toContain("/days");
  });

  it("hold a streamed strict call until it is valid: no input_json_delta of the broken attempt reaches the client", async () => {
    const ctx = context([{ text: invalid, chunkSize: 9 }, { text: valid, chunkSize: 9 }]);
    const result = await createMessage({ ...body, stream: true }, ctx);
    if (!result.stream) throw new Error("expected a stream");
    let input = "";
    const starts: unknown[] = [];
    for await (const event of result.events) {
      if (event.type === "content_block_start") starts.push(event.content_block);
      input += deltaText(event, "input_json_delta");
    }
    expect(starts).toEqual([expect.objectContaining({ type: "tool_use", name: "get_weather" })]);
    expect(JSON.parse(input)).toEqual({ city: "Paris", days: 2 });
  });

  it("fail with an error rather than answer with an invalid input when every attempt is invalid", async () => {
    const ctx = context([{ text: invalid }]);
    await expect(createMessage(body, ctx)).rejects.toMatchObject({ status: 502 });
  });
});

describe("Anthropic JSON outputs through the engine", () => {
  const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"], additionalProperties: false };

  it("put the schema into the prompt and answer with the model's JSON as the text block", async () => {
    const ctx = context([{ text: '{"answer": 4}', chunkSize: 3 }]);
    const result = await createMessage({ ...body, tools: undefined, output_config: { format: { type: "json_schema", schema } } }, ctx);
    if (result.stream) throw new Error("expected a message");
    expect(result.message.content).toEqual([{ type: "text", text: '{"answer": 4}' }]);
    const prompt = JSON.stringify(ctx.upstream.requests[0]?.messages);
    expect(prompt).toContain("# Answer format");
    expect(prompt).toContain(JSON.stringify(JSON.stringify(schema)).slice(1, -1));
  });
});

describe("Anthropic JSON outputs are checked against the schema", () => {
  const schema = { type: "object", properties: { answer: { type: "integer" } }, required: ["answer"], additionalProperties: false };
  const request = { ...body, tools: undefined, output_config: { format: { type: "json_schema", schema } } };

  it.each([
    ["breaks the schema", '{"answer": "four"}', "/answer"],
    ["is fenced", '```json\n{"answer": 4}\n```', "code fence"],
    ["has prose around it", 'Sure! {"answer": 4}', "not valid JSON"],
  ])("an answer that %s is asked for again, with the reason", async (_, wrong, reason) => {
    const ctx = context([{ text: wrong, chunkSize: 4 }, { text: '{"answer": 4}', chunkSize: 4 }]);
    const result = await createMessage(request, ctx);
    if (result.stream) throw new Error("expected a message");
    expect(result.message.content).toEqual([{ type: "text", text: '{"answer": 4}' }]);
    expect(ctx.upstream.requests).toHaveLength(2);
    const repair = JSON.stringify(ctx.upstream.requests[1]?.messages);
    expect(repair).toContain(reason);
    expect(repair).toContain("following the answer format exactly");
  });

  it("a streamed answer is held until it is checked: the broken attempt never reaches the client", async () => {
    const ctx = context([{ text: '{"answer": "four"}', chunkSize: 4 }, { text: '{"answer": 4}', chunkSize: 4 }]);
    const result = await createMessage({ ...request, stream: true }, ctx);
    if (!result.stream) throw new Error("expected a stream");
    let text = "";
    for await (const event of result.events) text += deltaText(event, "text_delta");
    expect(text).toBe('{"answer": 4}');
  });

  it("fails with invalid_output when no attempt matches, and leaves an answer cut off by max_tokens to its stop_reason", async () => {
    await expect(createMessage(request, context([{ text: "no" }]))).rejects.toMatchObject({ status: 502, code: "invalid_output" });
    const cut = await createMessage(request, context([{ text: '{"answer": ', end: "length" }]));
    if (cut.stream) throw new Error("expected a message");
    expect(cut.message).toMatchObject({ stop_reason: "max_tokens", content: [{ type: "text", text: '{"answer": ' }] });
  });

  it("does not apply to a reply that calls a tool", async () => {
    const tools = [{ name: "get_weather", input_schema: weather }];
    const result = await createMessage({ ...request, tools }, context([{ text: valid }]));
    if (result.stream) throw new Error("expected a message");
    expect(result.message.stop_reason).toBe("tool_use");
  });
});
