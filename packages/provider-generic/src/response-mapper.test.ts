import { describe, expect, it } from "vitest";
import { ResponseMapper } from "./response-mapper.js";

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });

describe("ResponseMapper", () => {
  it("renumbers parallel calls that all arrive on index 0 with different ids (Ollama)", () => {
    const mapper = new ResponseMapper(true);
    const events = [
      chunk({ tool_calls: [{ index: 0, id: "a", type: "function", function: { name: "f", arguments: '{"x":1}' } }] }),
      chunk({ tool_calls: [{ index: 0, id: "b", type: "function", function: { name: "g", arguments: "{}" } }] }),
      chunk({}, "tool_calls"),
    ].flatMap((c) => mapper.chunk(c));
    expect(events).toEqual([
      { type: "native-tool-call", index: 0, id: "a", name: "f", argumentsDelta: '{"x":1}' },
      { type: "native-tool-call", index: 1, id: "b", name: "g", argumentsDelta: "{}" },
    ]);
    expect(mapper.finishReason).toBe("tool-calls");
  });

  it("passes a repeated name or id on only once (older llama.cpp) and accepts deltas without index", () => {
    const mapper = new ResponseMapper(true);
    const events = [
      chunk({ tool_calls: [{ id: "a", function: { name: "f", arguments: "" } }] }),
      chunk({ tool_calls: [{ id: "a", function: { name: "f", arguments: '{"x"' } }] }),
      chunk({ tool_calls: [{ function: { arguments: ":1}" } }] }),
    ].flatMap((c) => mapper.chunk(c));
    expect(events).toEqual([
      { type: "native-tool-call", index: 0, id: "a", name: "f", argumentsDelta: "" },
      { type: "native-tool-call", index: 0, argumentsDelta: '{"x"' },
      { type: "native-tool-call", index: 0, argumentsDelta: ":1}" },
    ]);
  });

  it("serialises object arguments and maps unknown finish reasons to stop", () => {
    const mapper = new ResponseMapper(true);
    const events = mapper.completion({
      choices: [{ message: { content: null, tool_calls: [{ id: "a", function: { name: "f", arguments: { x: 1 } } }] }, finish_reason: "eos" }],
      usage: { prompt_tokens: 3, completion_tokens: 4, completion_tokens_details: { reasoning_tokens: 2 } },
    });
    expect(events).toEqual([
      { type: "native-tool-call", index: 0, id: "a", name: "f", argumentsDelta: '{"x":1}' },
      { type: "usage", inputTokens: 3, outputTokens: 4, reasoningTokens: 2 },
    ]);
    expect(mapper.finishReason).toBe("stop");
  });

  it("ignores empty deltas and usage: null", () => {
    const mapper = new ResponseMapper(false);
    expect(mapper.chunk({ ...chunk({ content: "", role: "assistant" }), usage: null })).toEqual([]);
  });
});
