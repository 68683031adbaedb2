import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { ToolshimError } from "../errors.js";
import { collectResponse, streamResponseEvents } from "./encode-response.js";
import { ResponseEncoder } from "./response-encoder.js";
import type { ResponseEcho } from "./response-types.js";

const echo: ResponseEcho = {
  instructions: null,
  max_output_tokens: null,
  model: "m",
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: 1,
  text: { format: { type: "text" } },
  tool_choice: "auto",
  tools: [],
  top_p: 1,
  truncation: "disabled",
  user: null,
  metadata: {},
};

async function* source(events: CanonicalEvent[], failure?: Error): AsyncGenerator<CanonicalEvent> {
  yield* events;
  if (failure) throw failure;
}

async function stream(events: CanonicalEvent[], failure?: Error) {
  const out = [];
  for await (const event of streamResponseEvents(source(events, failure), new ResponseEncoder({ echo }))) out.push(event);
  return out;
}

const usage: CanonicalEvent = { type: "usage", usage: { inputTokens: 10, outputTokens: 4 } };

describe("ResponseEncoder", () => {
  it("streams a text turn in OpenAI's order with consecutive sequence numbers", async () => {
    const events = await stream([{ type: "text", text: "Hel" }, { type: "text", text: "lo" }, { type: "finish", reason: "stop" }, usage]);
    expect(events.map((e) => e.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const created = events[0]!.response as { status: string; output: unknown[]; id: string };
    expect(created.status).toBe("in_progress");
    expect(created.output).toEqual([]);
    expect(created.id).toMatch(/^resp_[A-Za-z0-9]{24}$/);
    const added = events[2]!.item as { id: string; content: unknown[]; status: string };
    expect(added).toMatchObject({ type: "message", role: "assistant", status: "in_progress", content: [] });
    expect(added.id).toMatch(/^msg_/);
    expect(events[4]).toMatchObject({ item_id: added.id, output_index: 0, content_index: 0, delta: "Hel" });
    expect(events[6]).toMatchObject({ text: "Hello" });
    const completed = events.at(-1)!.response as Record<string, unknown>;
    expect(completed).toMatchObject({
      status: "completed",
      output: [{ id: added.id, type: "message", status: "completed", content: [{ type: "output_text", text: "Hello", annotations: [] }] }],
      usage: { input_tokens: 10, output_tokens: 4, total_tokens: 14, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(typeof completed.completed_at).toBe("number");
  });

  it("closes text before each function call and every call before the next", async () => {
    const events = await stream([
      { type: "text", text: "Checking." },
      { type: "tool-call-start", index: 0, id: "call_A", name: "get_weather" },
      { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
      { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris"}' },
      { type: "tool-call-end", index: 0, arguments: '{"city":"Paris"}' },
      { type: "tool-call-start", index: 1, id: "call_B", name: "get_weather" },
      { type: "tool-call-end", index: 1, arguments: '{"city":"Rome"}' },
      { type: "finish", reason: "tool_calls" },
      usage,
    ]);
    const outline = events.map((e) => `${e.type}${"output_index" in e ? `@${e.output_index}` : ""}`);
    expect(outline.slice(2)).toEqual([
      "response.output_item.added@0",
      "response.content_part.added@0",
      "response.output_text.delta@0",
      "response.output_text.done@0",
      "response.content_part.done@0",
      "response.output_item.done@0",
      "response.output_item.added@1",
      "response.function_call_arguments.delta@1",
      "response.function_call_arguments.delta@1",
      "response.function_call_arguments.done@1",
      "response.output_item.done@1",
      "response.output_item.added@2",
      // No deltas came for the second call: its arguments are streamed once, whole.
      "response.function_call_arguments.delta@2",
      "response.function_call_arguments.done@2",
      "response.output_item.done@2",
      "response.completed",
    ]);
    expect(events[8]!.item).toMatchObject({ type: "function_call", status: "in_progress", arguments: "", call_id: "call_A", name: "get_weather" });
    expect(events[11]).toMatchObject({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(events[12]!.item).toMatchObject({ type: "function_call", status: "completed", arguments: '{"city":"Paris"}' });
    const output = (events.at(-1)!.response as { output: Array<{ id: string; call_id?: string }> }).output;
    expect(output.map((item) => item.call_id)).toEqual([undefined, "call_A", "call_B"]);
    expect(new Set(output.map((item) => item.id)).size).toBe(3);
  });

  it("puts reasoning into a reasoning item with a summary", async () => {
    const events = await stream([
      { type: "reasoning", text: "Think" },
      { type: "reasoning", text: "ing" },
      { type: "text", text: "Answer" },
      { type: "finish", reason: "stop" },
    ]);
    expect(events.slice(2, 9).map((e) => e.type)).toEqual([
      "response.output_item.added",
      "response.reasoning_summary_part.added",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.delta",
      "response.reasoning_summary_text.done",
      "response.reasoning_summary_part.done",
      "response.output_item.done",
    ]);
    expect((events[2]!.item as { id: string }).id).toMatch(/^rs_/);
    expect(events[8]!.item).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "Thinking" }] });
    const response = events.at(-1)!.response as { output: Array<{ type: string }>; usage: unknown };
    expect(response.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    // No usage from the source still gives clients the numbers their schemas require.
    expect(response.usage).toMatchObject({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  });

  it("ends a truncated answer as incomplete", async () => {
    const events = await stream([{ type: "text", text: "Once upon" }, { type: "finish", reason: "length" }, usage]);
    const last = events.at(-1)!;
    expect(last.type).toBe("response.incomplete");
    expect(last.response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, output: [{ status: "incomplete" }] });
  });

  it("turns a failure after the start into error + response.failed", async () => {
    const failure = new ToolshimError("Upstream went away.", { status: 502, code: "upstream_error" });
    const events = await stream([{ type: "text", text: "Par" }], failure);
    expect(events.slice(-2).map((e) => e.type)).toEqual(["error", "response.failed"]);
    expect(events.at(-2)).toMatchObject({ code: "upstream_error", message: "Upstream went away.", param: null });
    expect(events.at(-1)!.response).toMatchObject({
      status: "failed",
      error: { code: "upstream_error", message: "Upstream went away." },
      output: [{ status: "incomplete", content: [{ text: "Par" }] }],
    });
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
  });

  it("treats a source that stops without finishing as a failure", async () => {
    const events = await stream([{ type: "text", text: "Par" }]);
    expect(events.at(-1)!.type).toBe("response.failed");
  });

  it("collects the same response without streaming, and throws failures", async () => {
    const encoder = new ResponseEncoder({ echo, id: "resp_fixed", createdAt: 1 });
    const response = await collectResponse(
      source([{ type: "tool-call-start", index: 0, id: "call_A", name: "f" }, { type: "tool-call-end", index: 0, arguments: "{}" }, { type: "finish", reason: "tool_calls" }, usage]),
      encoder,
    );
    expect(response).toMatchObject({ id: "resp_fixed", created_at: 1, object: "response", status: "completed", model: "m" });
    expect(response.output).toEqual([{ id: expect.stringMatching(/^fc_/), type: "function_call", status: "completed", arguments: "{}", call_id: "call_A", name: "f" }]);

    const failing = collectResponse(source([{ type: "text", text: "x" }], new ToolshimError("boom", { status: 504 })), new ResponseEncoder({ echo }));
    await expect(failing).rejects.toMatchObject({ status: 504, message: "boom" });
  });
});
