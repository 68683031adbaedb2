import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { ToolshimError } from "../errors.js";
import { collectMessage, streamMessageEvents } from "./encode-message.js";
import { MessageEncoder, SIGNATURE } from "./message-encoder.js";

async function* source(events: CanonicalEvent[], failure?: Error): AsyncGenerator<CanonicalEvent> {
  yield* events;
  if (failure) throw failure;
}

const options = { model: "claude-x", estimatedInputTokens: 42, thinking: true };

async function stream(events: CanonicalEvent[], failure?: Error, thinking = true) {
  const out = [];
  for await (const event of streamMessageEvents(source(events, failure), new MessageEncoder({ ...options, thinking }))) out.push(event);
  return out;
}

const toolTurn: CanonicalEvent[] = [
  { type: "reasoning", text: "Hmm" },
  { type: "text", text: "I'll check." },
  { type: "tool-call-start", index: 0, id: "call_A", name: "get_weather" },
  { type: "tool-call-delta", index: 0, argumentsDelta: '{"city": ' },
  { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris"}' },
  { type: "tool-call-end", index: 0, arguments: '{"city": "Paris"}' },
  { type: "tool-call-start", index: 1, id: "call_B", name: "get_time" },
  { type: "tool-call-end", index: 1, arguments: "{}" },
  { type: "usage", usage: { inputTokens: 100, outputTokens: 20 } },
  { type: "finish", reason: "tool_calls" },
];

describe("MessageEncoder", () => {
  it("streams blocks in order, each started, filled and stopped before the next", async () => {
    const events = await stream(toolTurn);
    const outline = events.map((e) => [e.type, (e.delta as { type?: string } | undefined)?.type ?? (e.content_block as { type?: string } | undefined)?.type, e.index].filter((x) => x !== undefined).join(" "));
    expect(outline).toEqual([
      "message_start",
      "content_block_start thinking 0",
      "content_block_delta thinking_delta 0",
      "content_block_delta signature_delta 0",
      "content_block_stop 0",
      "content_block_start text 1",
      "content_block_delta text_delta 1",
      "content_block_stop 1",
      "content_block_start tool_use 2",
      "content_block_delta input_json_delta 2",
      "content_block_delta input_json_delta 2",
      "content_block_stop 2",
      "content_block_start tool_use 3",
      "content_block_delta input_json_delta 3",
      "content_block_stop 3",
      "message_delta",
      "message_stop",
    ]);
    expect(events[0]).toMatchObject({
      message: { type: "message", role: "assistant", model: "claude-x", content: [], stop_reason: null, usage: { input_tokens: 42, output_tokens: 0 } },
    });
    expect((events[0]!.message as { id: string }).id).toMatch(/^msg_[A-Za-z0-9]{24}$/);
    expect(events[1]).toMatchObject({ content_block: { type: "thinking", thinking: "", signature: "" } });
    expect(events[3]).toEqual({ type: "content_block_delta", index: 0, delta: { type: "signature_delta", signature: SIGNATURE } });
    const toolStart = events[8]!.content_block as { id: string; input: unknown };
    expect(toolStart.id).toMatch(/^toolu_[A-Za-z0-9]{24}$/);
    expect(toolStart.input).toEqual({});
    expect(events[13]).toMatchObject({ delta: { type: "input_json_delta", partial_json: "{}" } });
    expect(events[15]).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it("collects the same message without streaming, input as an object", async () => {
    const message = await collectMessage(source(toolTurn), new MessageEncoder(options));
    expect(message).toMatchObject({
      type: "message",
      stop_reason: "tool_use",
      usage: { input_tokens: 100, output_tokens: 20 },
      content: [
        { type: "thinking", thinking: "Hmm", signature: SIGNATURE },
        { type: "text", text: "I'll check." },
        { type: "tool_use", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", name: "get_time", input: {} },
      ],
    });
  });

  it("leaves reasoning out unless thinking was asked for, and maps length to max_tokens", async () => {
    const events = await stream([{ type: "reasoning", text: "Hmm" }, { type: "text", text: "Once" }, { type: "finish", reason: "length" }], undefined, false);
    expect(events.filter((e) => e.type === "content_block_start").map((e) => (e.content_block as { type: string }).type)).toEqual(["text"]);
    expect(events.at(-2)).toMatchObject({ delta: { stop_reason: "max_tokens" }, usage: { input_tokens: 42, output_tokens: 0 } });
  });

  it("reports the stop string that ended the answer, streamed and not", async () => {
    const turn: CanonicalEvent[] = [{ type: "text", text: "One, two" }, { type: "finish", reason: "stop", stopSequence: "three" }];
    const events = await stream(turn);
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "stop_sequence", stop_sequence: "three" } });
    const message = await collectMessage(source(turn), new MessageEncoder(options));
    expect(message).toMatchObject({ stop_reason: "stop_sequence", stop_sequence: "three", content: [{ type: "text", text: "One, two" }] });
  });

  it("ends a failing stream with Anthropic's error event and nothing after it", async () => {
    const events = await stream([{ type: "text", text: "Par" }], new ToolshimError("Rate limited upstream.", { status: 429 }));
    expect(events.at(-1)).toEqual({ type: "error", error: { type: "rate_limit_error", message: "Rate limited upstream." } });
    expect(events.some((e) => e.type === "message_stop")).toBe(false);
    await expect(collectMessage(source([{ type: "text", text: "x" }]), new MessageEncoder(options))).rejects.toMatchObject({ status: 502 });
  });
});
