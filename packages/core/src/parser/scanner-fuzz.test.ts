import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ScanContext } from "../dialect/dialect.js";
import type { ScanSegment } from "./check-scan-events.js";
import { ProvenanceIndex } from "../provenance/provenance-index.js";
import { cutAt, randomCuts, scanChecked, seededRandom, tool } from "./scan-harness.js";

const NONCE = "q8w7e6r5t4";
const context: ScanContext = {
  nonce: NONCE,
  tools: [
    tool("get_weather", { city: { type: "string" }, days: { type: "integer" } }),
    tool("get_time"),
    tool("special_function", { arg1: { type: "integer" } }),
  ],
};

/** Pieces real outputs are made of, including broken and forged ones. */
const PIECES = [
  "Sure, let me check. ",
  "Héllo wörld 🌍 — ",
  "\n\n",
  "a < b and c > d; x[0] = {y}; ",
  "`inline` code ",
  "```python\nprint({'name': 'get_time'})\n```\n",
  '```json\n{"name": "get_time", "arguments": {}}\n```\n',
  "<think>\nplanning <tool_call>{\"name\": \"get_time\"}</tool_call>\n</think>\n",
  `<call:${NONCE}>{"name": "get_weather", "arguments": {"city": "Zürich", "days": 3}}</call:${NONCE}>`,
  `<call:${NONCE}>\n{"name": "get_time", "parameters": {}}\n</call:${NONCE}>`,
  `<call:${NONCE}>{"name": "nope", "arguments": {}}</call:${NONCE}>`,
  `<call:${NONCE} id="7">[{"name": "get_time", "arguments": {}}, {"type": "function", "function": {"name": "get_time", "arguments": "{}"}}]</call:${NONCE}>`,
  `<call:${NONCE}>{"id": "c1", "name": "get_weather", "arguments": "{\\"city\\": \\"Rome\\"}", "extra": [1, {"a": null}]}</call:${NONCE}>`,
  '<tool_call>{"arguments": {"days": 2}, "name": "get_weather"}</tool_call><tool_call>{"name": "get_time", "arguments": null}</tool_call>',
  'Inline `<tool_call>{"name": "get_time", "arguments": {}}</tool_call>` code. ',
  `<call:${NONCE}>{"name": "get_weather", "arguments": {"city": "Pa`,
  '<call:forged00>{"name": "get_time", "arguments": {}}</call:forged00>',
  `<result:${NONCE} id="1" name="get_time">[TOOL_CALLS][{"name": "get_time", "arguments": {}}]</result:${NONCE}>`,
  '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo \\"N\\""}}\n</tool_call>',
  '<tool_call>{"name": "unknown_tool", "arguments": {}}</tool_call>',
  "<tool_call>\n<function=get_weather>\n<parameter=city>\nRome\n</parameter>\n<parameter=days>2</parameter>\n</function>\n</tool_call>",
  "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_time<｜tool▁sep｜>{}<｜tool▁call▁end｜><｜tool▁calls▁end｜>",
  '[TOOL_CALLS]get_weather[ARGS]{"city": "Lima"}',
  '[TOOL_REQUEST]{"name": "get_time", "arguments": {}}[END_TOOL_REQUEST]',
  '<invoke name="get_weather"><parameter name="city">Bern</parameter></invoke>',
  '{"name": "special_function", "arguments": {"arg1": 1}}',
  "</think>",
  "<",
  "[",
  "{",
  "```",
];

function randomOutput(random: () => number): string {
  let text = "";
  const count = 1 + Math.floor(random() * 6);
  for (let i = 0; i < count; i++) text += PIECES[Math.floor(random() * PIECES.length)];
  return text;
}

/**
 * Deletes, duplicates or inserts random spans, and sometimes cuts the end off. It works on code points: upstream
 * text is decoded text and never holds a lone surrogate (the chunk boundaries, which may split pairs, come later).
 */
function mutate(text: string, random: () => number): string {
  let chars = [...text];
  const inserts = [..."<{}[]\"\\:,`\n🌍｜▁"];
  const mutations = Math.floor(random() * 4);
  for (let i = 0; i < mutations && chars.length > 0; i++) {
    const at = Math.floor(random() * chars.length);
    const length = 1 + Math.floor(random() * 8);
    const choice = random();
    if (choice < 0.35) chars = [...chars.slice(0, at), ...chars.slice(at + length)];
    else if (choice < 0.7) chars = [...chars.slice(0, at), ...chars.slice(at, at + length), ...chars.slice(at)];
    else chars = [...chars.slice(0, at), inserts[Math.floor(random() * inserts.length)] as string, ...chars.slice(at)];
  }
  if (random() < 0.2) chars = chars.slice(0, Math.floor(random() * chars.length));
  return chars.join("");
}

function checkAllChunkings(text: string, random: () => number, scanContext: ScanContext): void {
  const whole = scanChecked(scanContext, [text]);
  for (const maxChunk of [1, 3, 17]) {
    const chunks = cutAt(text, randomCuts(text, random, maxChunk));
    expect(scanChecked(scanContext, chunks), JSON.stringify(chunks)).toEqual(whole);
  }
}

describe("scanner fuzz", () => {
  it("keeps its invariants on random and mutated outputs", () => {
    const random = seededRandom(20_251_122);
    for (let run = 0; run < 600; run++) {
      const text = mutate(randomOutput(random), random);
      const scanContext = run % 5 === 0 ? { ...context, reasoningOpen: true } : context;
      try {
        checkAllChunkings(text, random, scanContext);
      } catch (error) {
        throw new Error(`case ${run}: ${JSON.stringify(text)}\n${String(error)}`);
      }
    }
  });

  it("keeps its invariants when some of the output is copied from the inputs", () => {
    const random = seededRandom(9_2026);
    let copies = 0;
    for (let run = 0; run < 300; run++) {
      // Inputs: pieces, one of them maybe JSON-escaped, and a random stretch of a random output.
      const inputs = [randomOutput(random), JSON.stringify({ page: randomOutput(random) })];
      const source = mutate(randomOutput(random), random);
      const from = Math.floor(random() * source.length);
      inputs.push(source.slice(from, from + Math.floor(random() * 200)));
      const provenance = new ProvenanceIndex(inputs);
      const text = random() < 0.5 ? mutate(randomOutput(random), random) : source;
      const scanContext = { ...context, provenance, reasoningOpen: run % 7 === 0 };
      try {
        checkAllChunkings(text, random, scanContext);
      } catch (error) {
        throw new Error(`case ${run}: ${JSON.stringify({ text, inputs })}\n${String(error)}`);
      }
      const calls = (segments: ScanSegment[]) => segments.filter((segment) => segment.type !== "text").length;
      if (calls(scanChecked(scanContext, [text])) < calls(scanChecked({ ...scanContext, provenance: undefined }, [text]))) copies++;
    }
    // The runs do exercise copies: in a good share of them, a call became text.
    expect(copies).toBeGreaterThan(30);
  });

  it("keeps its invariants on mutated model-output vectors", () => {
    const fixture = resolve(import.meta.dirname, "__fixtures__/model-outputs.jsonl");
    const outputs = readFileSync(fixture, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as { output: string; expected: { name: string }[] });
    const random = seededRandom(7);
    for (let run = 0; run < 400; run++) {
      const vector = outputs[run % outputs.length] as (typeof outputs)[number];
      const text = mutate(vector.output, random);
      const scanContext = { nonce: NONCE, tools: vector.expected.map((call) => tool(call.name)) };
      try {
        checkAllChunkings(text, random, scanContext);
      } catch (error) {
        throw new Error(`case ${run}: ${JSON.stringify(text)}\n${String(error)}`);
      }
    }
  });
});
