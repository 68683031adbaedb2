import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { ToolDefinition } from "../canonical.js";
import type { ScanContext } from "../dialect/dialect.js";
import { ProvenanceIndex } from "../provenance/provenance-index.js";
import type { ScanSegment } from "./check-scan-events.js";
import { cutAt, randomCuts, scanChecked, seededRandom, tool } from "./scan-harness.js";

/** Real model outputs from other parsers' test suites (sources, licences and schema: __fixtures__/README.md). */
const FIXTURE = resolve(import.meta.dirname, "__fixtures__/model-outputs.jsonl");

interface ExpectedCall {
  name: string;
  arguments: Record<string, unknown> | null;
  arguments_text?: string;
  id?: string;
}

interface Vector {
  line: number;
  format: string;
  output: string;
  expected: ExpectedCall[];
  content: string | null;
  reasoning?: string;
  partial?: boolean;
  options?: { thinking_forced_open?: boolean };
  tools?: string[];
  tools_schema?: Record<string, Record<string, string>>;
  chunks?: string[];
  content_asserted?: false | "contains";
  whitespace_insensitive?: boolean;
}

interface Outcome {
  calls: { name: string; arguments: unknown; id?: string }[];
  content: string;
  reasoning: string;
}

/** Vectors whose source's behaviour toolshim deliberately does not share, with the result it gives instead. */
const DIFFERENCES: Record<number, { why: string; expect: Partial<Outcome> }> = {
  7: {
    why: "JSON after prose is not a call: bare JSON counts only where no visible text precedes it (ggml-org/llama.cpp#18183, #16710 are false positives of accepting it anywhere)",
    expect: { calls: [], content: 'This is not a tool call:\n{"name": "special_function", "arguments": {"arg1": 1}}' },
  },
  12: {
    why: "Functionary's `all` channel line is not recognised as markup and stays text",
    expect: { content: "all\nHello, world!\nnono\nWhat's up?" },
  },
  15: {
    why: "an id written after the arguments is not reported: the call has already started by then (ids are optional; the engine assigns one)",
    expect: { calls: [{ name: "special_function", arguments: { arg1: 1 } }] },
  },
  44: {
    why: "text after the calls is kept (nothing the model wrote is dropped); the vector's content names a prefix its output does not contain",
    expect: { content: "some suffix text" },
  },
  46: {
    why: "text between calls is kept, not dropped as vLLM does",
    expect: { content: "I will help you get the weather info.\n\nmeaningwhile, I will also check the weather in Shanghai.\n\n" },
  },
  53: {
    why: "text before a call keeps its trailing whitespace (it streamed before the call was known)",
    expect: { content: "I'll help you check the weather. " },
  },
  59: {
    why: "whitespace at the start of the output is dropped",
    expect: { content: "Sure! let me call the tool for you." },
  },
  63: {
    why: "<think> is reasoning for toolshim; Ollama's template-tag parser knows nothing of it and leaves it in the content",
    expect: { content: "", reasoning: "Wait, I need to call a tool" },
  },
};

/** Formats toolshim does not parse: their output stays text (checked below, with the same streaming invariants). */
const UNSUPPORTED: Record<number, string> = {
  1: "llama.cpp's Generic mode (the whole output is grammar-constrained JSON, `response` holds the answer)",
  2: "llama.cpp's Generic mode (`tool_call` inside a grammar-constrained JSON object)",
  11: "Llama 3.1 built-in tools: Python call syntax `NAME.call(k=v)`",
  39: "pythonic call lists: Python literal syntax",
  40: "pythonic call lists (Llama 4): Python literal syntax",
  55: "Gemma 4: bare keys and <|\"|>-quoted strings, not JSON",
  56: "FunctionGemma: bare keys and <escape>-quoted strings, not JSON",
};

const vectors: Vector[] = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .flatMap((line, index) => (line.trim() === "" ? [] : [{ line: index + 1, ...(JSON.parse(line) as Omit<Vector, "line">) }]));

/**
 * The tools a client would declare. The sources parsed raw XML values either without a schema or with the types in
 * `tools_schema`; toolshim always has the client's schema, so the test declares the types the expected values have.
 */
function toolsFor(vector: Vector): ToolDefinition[] {
  const names = new Set([...(vector.tools ?? []), ...vector.expected.map((call) => call.name)]);
  return [...names].map((name) => {
    const declared = vector.tools_schema?.[name];
    const example = vector.expected.find((call) => call.name === name)?.arguments ?? {};
    const properties = declared
      ? Object.fromEntries(Object.entries(declared).map(([key, type]) => [key, { type }]))
      : Object.fromEntries(Object.entries(example).map(([key, value]) => [key, { type: jsonType(value) }]));
    return tool(name, properties);
  });
}

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value === "object" ? "object" : typeof value;
}

function contextFor(vector: Vector): ScanContext {
  return { nonce: "fx7k2p9w4q", tools: toolsFor(vector), reasoningOpen: vector.options?.thinking_forced_open ?? false };
}

/** A partial vector is an unfinished stream: only its pushes are scanned, end() is not called. */
function scanVector(vector: Vector, chunks: readonly string[]): ScanSegment[] {
  return scanChecked(contextFor(vector), chunks, !vector.partial);
}

function outcomeOf(segments: ScanSegment[]): Outcome {
  const outcome: Outcome = { calls: [], content: "", reasoning: "" };
  for (const segment of segments) {
    if (segment.type === "text") outcome.content += segment.text;
    else if (segment.type === "reasoning") outcome.reasoning += segment.text;
    else if (segment.type === "call") {
      const call: Outcome["calls"][number] = { name: segment.name, arguments: JSON.parse(segment.arguments) };
      if (segment.id !== undefined) call.id = segment.id;
      outcome.calls.push(call);
    } else {
      throw new Error(`unexpected ${segment.type} segment: ${JSON.stringify(segment)}`);
    }
  }
  return outcome;
}

function expectedOf(vector: Vector): Outcome {
  const calls = vector.expected.map((call) => {
    const expected: Outcome["calls"][number] = { name: call.name, arguments: call.arguments };
    if (call.id !== undefined) expected.id = call.id;
    return expected;
  });
  return {
    calls,
    content: vector.content ?? "",
    reasoning: vector.reasoning ?? "",
    ...DIFFERENCES[vector.line]?.expect,
  };
}

const supported = vectors.filter((vector) => !(vector.line in UNSUPPORTED));
const unsupported = vectors.filter((vector) => vector.line in UNSUPPORTED);

/** Every chunking the suite tries: two chunks at every split point, one character each, random chunks, the source's. */
function chunkings(vector: Vector): string[][] {
  const { output } = vector;
  const result: string[][] = [[...output]];
  for (let at = 1; at < output.length; at++) result.push(cutAt(output, [at]));
  result.push(output.split(""));
  const random = seededRandom(vector.line);
  for (let run = 0; run < 25; run++) result.push(cutAt(output, randomCuts(output, random, 1 + (run % 12))));
  if (vector.chunks) result.push(vector.chunks);
  return result;
}

describe("shared model-output vectors", () => {
  it("covers every vector: each is supported, or listed as unsupported with a reason", () => {
    expect(vectors.length).toBeGreaterThan(0);
    expect(supported.length + unsupported.length).toBe(vectors.length);
    for (const line of [...Object.keys(DIFFERENCES), ...Object.keys(UNSUPPORTED)]) {
      expect(vectors.some((vector) => vector.line === Number(line)), `table entry L${line}`).toBe(true);
    }
  });

  describe.each(supported)("L$line $format", (vector) => {
    it(DIFFERENCES[vector.line] ? `differs from its source: ${DIFFERENCES[vector.line]?.why}` : "gives its source's calls, content and reasoning", () => {
      const actual = outcomeOf(scanVector(vector, [vector.output]));
      const expected = expectedOf(vector);
      expect(actual.calls.map(({ name }) => name)).toEqual(expected.calls.map(({ name }) => name));
      expected.calls.forEach((call, i) => {
        if (call.arguments !== null) expect(actual.calls[i]?.arguments).toEqual(call.arguments);
        if (call.id !== undefined) expect(actual.calls[i]?.id).toBe(call.id);
      });
      const overridden = DIFFERENCES[vector.line]?.expect.content !== undefined;
      const trim = (text: string) => (vector.whitespace_insensitive ? text.trim() : text);
      if (vector.content_asserted === "contains" && !overridden) expect(actual.content).toContain(expected.content);
      else if (vector.content_asserted !== false || overridden) expect(trim(actual.content)).toBe(trim(expected.content));
      expect(trim(actual.reasoning)).toBe(trim(expected.reasoning));
    });

    it("gives the same result in every chunking", () => {
      const whole = scanVector(vector, [vector.output]);
      for (const chunks of chunkings(vector)) expect(scanVector(vector, chunks), JSON.stringify(chunks)).toEqual(whole);
    });
  });

  describe.each(supported)("L$line $format, copied from the request's inputs", (vector) => {
    it("is no call in any chunking: provenance keeps every quoted format as text", () => {
      const context = { ...contextFor(vector), provenance: new ProvenanceIndex([`Fetched page: ${vector.output} (end)`]) };
      const whole = scanChecked(context, [vector.output], !vector.partial);
      expect(whole.filter((segment) => segment.type !== "text" && segment.type !== "reasoning")).toEqual([]);
      const random = seededRandom(vector.line + 1000);
      for (let run = 0; run < 12; run++) {
        const chunks = cutAt(vector.output, randomCuts(vector.output, random, 1 + run));
        expect(scanChecked(context, chunks, !vector.partial), JSON.stringify(chunks)).toEqual(whole);
      }
    });
  });

  describe.each(unsupported)("L$line $format (unsupported)", (vector) => {
    it(`stays text: ${UNSUPPORTED[vector.line]}`, () => {
      const segments = scanVector(vector, [vector.output]);
      expect(segments.every((segment) => segment.type === "text")).toBe(true);
      expect(segments.map((segment) => (segment.type === "text" ? segment.text : "")).join("")).toBe(vector.output.trimStart());
      for (const chunks of chunkings(vector)) expect(scanVector(vector, chunks)).toEqual(segments);
    });
  });
});
