import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { checkChatCompletionChunks } from "../testing/check-chat-completion-chunks.js";
import { ChatCompletionAccumulator, encodeChatCompletion } from "./encode-chat-completion.js";
import { type ChatCompletionChunk, type ChatEncodeOptions, encodeChatCompletionChunks } from "./encode-chat-completion-chunks.js";
import { systemFingerprintOf } from "./encode-ids.js";

async function* from(events: CanonicalEvent[]): AsyncGenerator<CanonicalEvent> {
  yield* events;
}

async function chunksOf(events: CanonicalEvent[], options: Partial<ChatEncodeOptions> = {}): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of encodeChatCompletionChunks(from(events), { model: "my-model", ...options })) chunks.push(chunk);
  return chunks;
}

/**
 * The accumulation loop of OpenAI's function-calling guide (streaming section), as written there: the first delta of
 * an index is stored as the call, and every delta's arguments, that first one's included, are appended to it. Chunks
 * are copied first, as a client parses them from the wire.
 */
function guideAccumulation(chunks: ChatCompletionChunk[]) {
  const finalToolCalls: Record<number, { index: number; function: { arguments: string } }> = {};
  for (const chunk of JSON.parse(JSON.stringify(chunks.filter((c) => c.choices.length > 0))) as ChatCompletionChunk[]) {
    const toolCalls = chunk.choices[0]!.delta.tool_calls || [];
    for (const toolCall of toolCalls) {
      if (!("function" in toolCall)) continue;
      const { index } = toolCall;
      // The guide stores the first delta itself, then appends every delta's arguments (the first one's included).
      const stored = (finalToolCalls[index] ??= toolCall);
      stored.function.arguments += toolCall.function.arguments;
    }
  }
  return Object.values(finalToolCalls);
}

const deltas = (chunks: ChatCompletionChunk[]) => chunks.map((chunk) => chunk.choices[0]?.delta ?? null);

const twoCalls: CanonicalEvent[] = [
  { type: "text", text: "Checking both cities." },
  { type: "tool-call-start", index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", name: "get_weather" },
  { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
  { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris"}' },
  { type: "tool-call-end", index: 0, arguments: '{"city":"Paris"}' },
  { type: "tool-call-start", index: 1, id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", name: "get_weather" },
  { type: "tool-call-delta", index: 1, argumentsDelta: '{"city":"Rome"}' },
  { type: "tool-call-end", index: 1, arguments: '{"city":"Rome"}' },
  { type: "usage", usage: { inputTokens: 120, outputTokens: 40 } },
  { type: "finish", reason: "tool_calls" },
];

describe("encodeChatCompletionChunks", () => {
  it("encodes a text turn: role first, content deltas, a lone finish chunk", async () => {
    const chunks = await chunksOf([
      { type: "text", text: "Hello" },
      { type: "text", text: " world" },
      { type: "finish", reason: "stop" },
    ]);
    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, { content: "Hello" }, { content: " world" }, {}]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, null, "stop"]);
    expect(new Set(chunks.map((chunk) => `${chunk.id}|${chunk.created}|${chunk.model}`)).size).toBe(1);
    expect(chunks[0]?.id).toMatch(/^chatcmpl-[A-Za-z0-9]{24}$/);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk" && chunk.choices[0]?.logprobs === null)).toBe(true);
    expect(checkChatCompletionChunks(chunks)).toEqual([]);
  });

  it("opens each call with index, id, type, name and an arguments string, then continues with arguments only", async () => {
    const chunks = await chunksOf(twoCalls, { includeUsage: true });
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { content: "Checking both cities." },
      { tool_calls: [{ index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] },
      {},
      null,
    ]);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("tool_calls");
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 } });
    expect(checkChatCompletionChunks(chunks, { includeUsage: true })).toEqual([]);
  });

  it("sends the usage chunk only when asked, with zeros when the upstream reported none", async () => {
    expect((await chunksOf(twoCalls)).some((chunk) => chunk.usage)).toBe(false);
    const asked = await chunksOf([{ type: "finish", reason: "stop" }], { includeUsage: true });
    expect(asked.at(-1)?.usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(checkChatCompletionChunks(asked, { includeUsage: true })).toEqual([]);
  });

  it("argumentsInOneDelta sends each call at once: opening delta, then its whole arguments (with the id after call 0)", async () => {
    const chunks = await chunksOf(twoCalls, { argumentsInOneDelta: true });
    expect(deltas(chunks).slice(2, 6)).toEqual([
      { tool_calls: [{ index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":"Paris"}' } }] },
      { tool_calls: [{ index: 1, id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", type: "function", function: { name: "get_weather", arguments: "" } }] },
      { tool_calls: [{ index: 1, id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", function: { arguments: '{"city":"Rome"}' } }] },
    ]);
    expect(checkChatCompletionChunks(chunks, { argumentsInOneDelta: true })).toEqual([]);
    expect(checkChatCompletionChunks(chunks)).toEqual(["chunk 5: tool call 1 repeats its id (S6)"]);
  });

  it.each([{}, { argumentsInOneDelta: true }, { includeUsage: true }])(
    "gives the arguments once to the accumulation loop of OpenAI's function-calling guide (%j)",
    async (options) => {
      const chunks = await chunksOf(twoCalls, options);
      expect(guideAccumulation(chunks)).toEqual([
        { index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { index: 1, id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      ]);
    },
  );

  it("stamps every chunk with one stable system_fingerprint per model", async () => {
    const chunks = await chunksOf(twoCalls, { includeUsage: true });
    const fingerprints = new Set(chunks.map((chunk) => chunk.system_fingerprint));
    expect([...fingerprints]).toEqual([systemFingerprintOf("my-model")]);
    expect(systemFingerprintOf("my-model")).toMatch(/^fp_[0-9a-f]{10}$/);
    expect(systemFingerprintOf("my-model")).toBe(systemFingerprintOf("my-model"));
    expect(systemFingerprintOf("other-model")).not.toBe(systemFingerprintOf("my-model"));
    expect((await chunksOf(twoCalls, { systemFingerprint: "fp_custom" }))[0]?.system_fingerprint).toBe("fp_custom");
  });

  it("encodes reasoning as reasoning_content deltas", async () => {
    const chunks = await chunksOf([
      { type: "reasoning", text: "Thinking" },
      { type: "text", text: "Done" },
      { type: "finish", reason: "stop" },
    ]);
    expect(deltas(chunks)).toEqual([{ role: "assistant", content: "" }, { reasoning_content: "Thinking" }, { content: "Done" }, {}]);
  });

  it("encodes the legacy function_call shape and finish reason", async () => {
    const chunks = await chunksOf(
      [
        { type: "tool-call-start", index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", name: "get_weather" },
        { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Paris"}' },
        { type: "tool-call-end", index: 0, arguments: '{"city":"Paris"}' },
        { type: "finish", reason: "tool_calls" },
      ],
      { legacyFunctions: true },
    );
    expect(deltas(chunks)).toEqual([
      { role: "assistant", content: "" },
      { function_call: { name: "get_weather", arguments: "" } },
      { function_call: { arguments: '{"city":"Paris"}' } },
      {},
    ]);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("function_call");
  });

  it("throws instead of ending quietly when the events stop without a finish", async () => {
    await expect(chunksOf([{ type: "text", text: "cut" }])).rejects.toThrow(/without a finish reason/);
  });
});

describe("encodeChatCompletion (non-streaming)", () => {
  it("is the fold of the same chunks: content, typed tool calls, refusal null, finish reason, usage", async () => {
    const completion = await encodeChatCompletion(from(twoCalls), { model: "my-model" });
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "my-model",
      choices: [
        {
          index: 0,
          logprobs: null,
          finish_reason: "tool_calls",
          message: {
            role: "assistant",
            content: "Checking both cities.",
            refusal: null,
            tool_calls: [
              { id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
              { id: "call_BBBBBBBBBBBBBBBBBBBBBBBB", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
            ],
          },
        },
      ],
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    });
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.system_fingerprint).toBe(systemFingerprintOf("my-model"));

    const accumulator = new ChatCompletionAccumulator();
    for (const chunk of await chunksOf(twoCalls, { includeUsage: true })) accumulator.add(chunk);
    const streamed = accumulator.result();
    expect({ ...streamed, id: "", created: 0 }).toEqual({ ...completion, id: "", created: 0 });
  });

  it("has content null for a call-only turn and no tool_calls key for a text turn", async () => {
    const callOnly = await encodeChatCompletion(from(twoCalls.slice(1)), { model: "m" });
    expect(callOnly.choices[0]?.message.content).toBeNull();
    const text = await encodeChatCompletion(from([{ type: "text", text: "hi" }, { type: "finish", reason: "stop" }]), { model: "m" });
    expect(text.choices[0]?.message).toEqual({ role: "assistant", content: "hi", refusal: null });
  });

  it("leaves out a call that never completed instead of returning it broken", async () => {
    const completion = await encodeChatCompletion(
      from([
        { type: "text", text: "Let me look." },
        { type: "tool-call-start", index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", name: "get_weather" },
        { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":"Pa' },
        { type: "finish", reason: "length" },
      ]),
      { model: "m" },
    );
    expect(completion.choices[0]?.message).toEqual({ role: "assistant", content: "Let me look.", refusal: null });
    expect(completion.choices[0]?.finish_reason).toBe("length");
  });

  it("puts a legacy call in message.function_call", async () => {
    const completion = await encodeChatCompletion(from(twoCalls.slice(1, 5).concat({ type: "finish", reason: "tool_calls" })), {
      model: "m",
      legacyFunctions: true,
    });
    expect(completion.choices[0]?.message.function_call).toEqual({ name: "get_weather", arguments: '{"city":"Paris"}' });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.finish_reason).toBe("function_call");
  });
});
