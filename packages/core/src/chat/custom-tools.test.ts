import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { decodeChatCompletionRequest } from "./decode-chat-completion-request.js";
import { ChatCompletionAccumulator, encodeChatCompletion } from "./encode-chat-completion.js";
import { encodeChatCompletionChunks } from "./encode-chat-completion-chunks.js";

const patchTool = { type: "custom", custom: { name: "apply_patch", description: "Edits files.", format: { type: "text" } } };
const dateTool = { type: "custom", custom: { name: "set_date", format: { type: "grammar", grammar: { syntax: "regex", definition: "\\d{4}-\\d{2}-\\d{2}" } } } };
const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const INPUT = '*** Begin Patch\n+say "hi"\n*** End Patch';

const events: CanonicalEvent[] = [
  { type: "tool-call-start", index: 0, id: "call_p", name: "apply_patch", custom: true },
  { type: "tool-call-delta", index: 0, argumentsDelta: "*** Begin Patch\n" },
  { type: "tool-call-delta", index: 0, argumentsDelta: '+say "hi"\n*** End Patch' },
  { type: "tool-call-end", index: 0, arguments: INPUT },
  { type: "tool-call-start", index: 1, id: "call_w", name: "get_weather" },
  { type: "tool-call-delta", index: 1, argumentsDelta: '{"city":"Oslo"}' },
  { type: "tool-call-end", index: 1, arguments: '{"city":"Oslo"}' },
  { type: "finish", reason: "tool_calls" },
];

async function* source(): AsyncGenerator<CanonicalEvent> {
  yield* events;
}

describe("custom tools on Chat Completions", () => {
  it("decodes custom tools (text and grammar formats), a custom tool_choice and custom calls in history", () => {
    const request = decodeChatCompletionRequest({
      model: "m",
      tools: [patchTool, dateTool, weather],
      tool_choice: { type: "custom", custom: { name: "apply_patch" } },
      messages: [
        { role: "user", content: "fix it" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "custom", custom: { name: "apply_patch", input: INPUT } }] },
        { role: "tool", tool_call_id: "call_1", content: "Done!" },
      ],
    });
    expect(request.tools).toEqual([
      { name: "apply_patch", description: "Edits files.", parameters: { type: "object", properties: {} }, strict: false, custom: { format: { type: "text" } } },
      {
        name: "set_date",
        parameters: { type: "object", properties: {} },
        strict: true,
        custom: { format: { type: "grammar", syntax: "regex", definition: "\\d{4}-\\d{2}-\\d{2}" } },
      },
      expect.objectContaining({ name: "get_weather" }),
    ]);
    expect(request.toolChoice).toEqual({ type: "function", name: "apply_patch" });
    expect(request.messages[1]).toEqual({ role: "assistant", content: null, toolCalls: [{ id: "call_1", name: "apply_patch", arguments: INPUT, custom: true }] });
    expect(request.messages[2]).toMatchObject({ role: "tool", toolCallId: "call_1", name: "apply_patch", content: "Done!" });
  });

  it("says what to fix for a built-in tool or a custom tool without its definition", () => {
    const attempt = (tools: unknown[]) => {
      try {
        decodeChatCompletionRequest({ model: "m", messages: [{ role: "user", content: "x" }], tools });
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidRequestError);
        return error as InvalidRequestError;
      }
      throw new Error("expected a 400");
    };
    expect(attempt([{ type: "web_search" }]).param).toBe("tools[0].type");
    expect(attempt([{ type: "custom", name: "flat" }]).param).toBe("tools[0].custom");
  });

  it("streams a custom call as custom.input deltas after an opening delta naming it", async () => {
    const chunks = [];
    for await (const chunk of encodeChatCompletionChunks(source(), { model: "m" })) chunks.push(chunk);
    const calls = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls.slice(0, 3)).toEqual([
      { index: 0, id: "call_p", type: "custom", custom: { name: "apply_patch", input: "" } },
      { index: 0, custom: { input: "*** Begin Patch\n" } },
      { index: 0, custom: { input: '+say "hi"\n*** End Patch' } },
    ]);
    expect(calls[3]).toEqual({ index: 1, id: "call_w", type: "function", function: { name: "get_weather", arguments: "" } });
    const accumulator = new ChatCompletionAccumulator();
    for (const chunk of chunks) accumulator.add(chunk);
    expect(accumulator.result().choices[0]!.message.tool_calls).toEqual([
      { id: "call_p", type: "custom", custom: { name: "apply_patch", input: INPUT } },
      { id: "call_w", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
    ]);
  });

  it("returns custom calls whole without streaming, and with argumentsInOneDelta", async () => {
    const completion = await encodeChatCompletion(source(), { model: "m" });
    expect(completion.choices[0]!.message.tool_calls?.[0]).toEqual({ id: "call_p", type: "custom", custom: { name: "apply_patch", input: INPUT } });
    const chunks = [];
    for await (const chunk of encodeChatCompletionChunks(source(), { model: "m", argumentsInOneDelta: true })) chunks.push(chunk);
    const calls = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []));
    expect(calls.slice(0, 2)).toEqual([
      { index: 0, id: "call_p", type: "custom", custom: { name: "apply_patch", input: "" } },
      { index: 0, custom: { input: INPUT } },
    ]);
  });
});
