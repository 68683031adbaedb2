import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { encodeChatCompletionChunks } from "./encode-chat-completion-chunks.js";
import { createChunkSerializer } from "./encode-chunk-json.js";

async function* from(events: CanonicalEvent[]): AsyncGenerator<CanonicalEvent> {
  yield* events;
}

/** Every kind of event the encoder turns into chunks, in one turn. */
const everyKind: CanonicalEvent[] = [
  { type: "reasoning", text: "Thinking about \"both\" cities…" },
  { type: "text", text: "Checking both.\n" },
  { type: "text", text: "é😀\u0001\\" },
  { type: "tool-call-start", index: 0, id: "call_AAAAAAAAAAAAAAAAAAAAAAAA", name: "get_weather" },
  { type: "tool-call-delta", index: 0, argumentsDelta: '{"city":' },
  { type: "tool-call-delta", index: 0, argumentsDelta: '"Paris"}' },
  { type: "tool-call-end", index: 0, arguments: '{"city":"Paris"}' },
  { type: "usage", usage: { inputTokens: 120, outputTokens: 40, reasoningTokens: 7 } },
  { type: "finish", reason: "tool_calls" },
];

describe("createChunkSerializer", () => {
  it("gives JSON.stringify's text for every chunk the encoder makes, in every mode", async () => {
    const modes = [{}, { includeUsage: true }, { legacyFunctions: true }, { argumentsInOneDelta: true }, { includeUsage: true, legacyFunctions: true }];
    for (const mode of modes) {
      const serialize = createChunkSerializer();
      let count = 0;
      for await (const chunk of encodeChatCompletionChunks(from(everyKind), { model: "my-model", ...mode })) {
        expect(serialize(chunk)).toBe(JSON.stringify(chunk));
        count++;
      }
      expect(count).toBeGreaterThan(4);
    }
  });

  it("follows a change of envelope and interleaved streams", () => {
    const serialize = createChunkSerializer();
    const chunk = (id: string, created: number, model: string, content: string, finish: string | null = null) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: "fp_0123456789",
      choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: finish }],
    });
    for (const value of [
      chunk("a", 1, "m", "x"),
      chunk("b", 1, "m", "y"),
      chunk("a", 2, "m", "z"),
      chunk("a", 2, 'm"q', "w"),
      chunk("a", 2.5, "m", "v", "length"),
      chunk("a", -0, "m", "u"),
      chunk("a", 1e21, "m", "t"),
    ]) {
      expect(serialize(value)).toBe(JSON.stringify(value));
    }
  });

  it("gives JSON.stringify's text for anything that only looks like a chunk", () => {
    const serialize = createChunkSerializer();
    const base = () => ({
      id: "x",
      object: "chat.completion.chunk",
      created: 1,
      model: "m",
      system_fingerprint: "fp_0123456789" as unknown,
      choices: [{ index: 0, delta: { content: "hi" } as unknown, logprobs: null as unknown, finish_reason: null as unknown }],
    });
    const inherited = Object.assign(Object.create({ extra: 1 }) as object, base());
    class Chunk {
      id = "x";
      object = "chat.completion.chunk";
      created = 1;
      model = "m";
      system_fingerprint = "fp_0123456789";
      choices = base().choices;
      toJSON() {
        return "custom";
      }
    }
    const variants: unknown[] = [
      base(),
      { ...base(), usage: { prompt_tokens: 1 } },
      { model: "m", ...(base() as Record<string, unknown>) },
      { ...base(), choices: [] },
      { ...base(), choices: [...base().choices, ...base().choices] },
      { ...base(), created: Number.NaN },
      { ...base(), created: "1" },
      { ...base(), system_fingerprint: null },
      { ...base(), system_fingerprint: "fp_other" },
      base(),
      { id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: base().choices },
      { ...base(), object: "chat.completion" },
      { ...base(), toJSON: () => 1 },
      { ...base(), choices: [{ ...base().choices[0], index: 1 }] },
      { ...base(), choices: [{ ...base().choices[0], delta: undefined }] },
      { ...base(), choices: [{ ...base().choices[0], delta: () => 1 }] },
      { ...base(), choices: [{ ...base().choices[0], logprobs: { content: [] } }] },
      { ...base(), choices: [{ ...base().choices[0], finish_reason: 3 }] },
      { ...base(), choices: [{ delta: { content: "hi" }, index: 0, logprobs: null, finish_reason: null }] },
      { ...base(), choices: [{ ...base().choices[0], extra: true }] },
      inherited,
      new Chunk(),
      "text",
      7,
      null,
      [base()],
    ];
    for (const value of variants) expect(serialize(value)).toBe(JSON.stringify(value));
    expect(serialize(undefined)).toBeUndefined();
  });
});
