import { describe, expect, it } from "vitest";
import { checkChatCompletionChunks } from "./check-chat-completion-chunks.js";

const envelope = { id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "m" };
const chunk = (delta: object, finish: string | null = null) => ({
  ...envelope,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const open = (index: number, args = "", id = `call_${String(index).repeat(24)}`) => ({
  tool_calls: [{ index, id, type: "function", function: { name: "f", arguments: args } }],
});
const more = (index: number, args: string) => ({ tool_calls: [{ index, function: { arguments: args } }] });
const role = chunk({ role: "assistant", content: "" });

describe("checkChatCompletionChunks", () => {
  it("accepts the safe emission profile", () => {
    expect(checkChatCompletionChunks([role, chunk(open(0, "{}")), chunk(open(1, '{"a":1}')), chunk({}, "tool_calls")])).toEqual([]);
  });

  it.each([
    ["no role first", [chunk({ content: "x" }), chunk({}, "stop")], /S1/],
    ["a changing id", [role, { ...chunk({}, "stop"), id: "chatcmpl-2" }], /S2/],
    ["an opening delta without type", [role, chunk({ tool_calls: [{ index: 0, id: "call_000000000000000000000000", function: { name: "f", arguments: "{}" } }] }), chunk({}, "tool_calls")], /S3/],
    ["a repeated name", [role, chunk(open(0)), chunk({ tool_calls: [{ index: 0, function: { name: "f", arguments: "{}" } }] }), chunk({}, "tool_calls")], /S5/],
    ["a repeated id", [role, chunk(open(0)), chunk({ tool_calls: [{ index: 0, id: "call_000000000000000000000000", function: { arguments: "{}" } }] }), chunk({}, "tool_calls")], /S6/],
    ["interleaved calls", [role, chunk(open(0, "{")), chunk(open(1, "{}")), chunk(more(0, "}")), chunk({}, "tool_calls")], /S4\/S8/],
    ["a first index of 1", [role, chunk(open(1, "{}")), chunk({}, "tool_calls")], /out of order/],
    ["text and calls in one delta", [role, chunk({ content: "x", ...open(0, "{}") }), chunk({}, "tool_calls")], /S10/],
    ["JSON complete before the last fragment", [role, chunk(open(0, "{}")), chunk(more(0, " ")), chunk({}, "tool_calls")], /S9/],
    ["a finish chunk with content", [role, chunk({ content: "x" }, "stop")], /S11/],
    ["no finish chunk", [role, chunk({ content: "x" })], /S11/],
    ["an unknown finish reason", [role, chunk({}, "end_turn")], /S15/],
    ["stop with tool calls", [role, chunk(open(0, "{}")), chunk({}, "stop")], /§1.5/],
    ["an error key", [role, { ...chunk({}, "stop"), error: { message: "x" } }], /S13/],
    ["unasked usage", [role, chunk({}, "stop"), { ...envelope, choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }], /S12/],
  ])("flags %s", (_name, chunks, rule) => {
    const problems = checkChatCompletionChunks(chunks);
    expect(problems.some((problem) => rule.test(problem)), problems.join("\n")).toBe(true);
  });

  it("wants the usage chunk when include_usage was set", () => {
    expect(checkChatCompletionChunks([role, chunk({}, "stop")], { includeUsage: true })).toEqual([
      "no usage chunk although include_usage was set (S12)",
    ]);
  });
});
