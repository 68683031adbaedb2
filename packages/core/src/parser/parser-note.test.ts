import { describe, expect, it } from "vitest";
import type { ScanContext, ScanEvent } from "../dialect/dialect.js";
import { createScanner } from "./create-scanner.js";
import type { ParserNote } from "./parser-note.js";
import { cutAt, randomCuts, scanChunks, seededRandom, tool } from "./scan-harness.js";
import { ProvenanceIndex } from "../provenance/provenance-index.js";

const NONCE = "n0nce";
const tools = [tool("get_weather", { city: { type: "string" } })];

function notes(chunks: readonly string[], context: Partial<ScanContext> = {}): { notes: ParserNote[]; events: ScanEvent[] } {
  const found: ParserNote[] = [];
  const scanner = createScanner({ tools, nonce: NONCE, onNote: (note) => found.push(note), ...context });
  const events: ScanEvent[] = [];
  for (const chunk of chunks) events.push(...scanner.push(chunk));
  events.push(...scanner.end());
  return { notes: found, events };
}

const whyNot = (list: ParserNote[]) => list.filter((note) => note.type === "not-a-call");
const text = (events: ScanEvent[]) => events.flatMap((event) => (event.type === "text" ? [event.text] : [])).join("");

/** Each case: output whose only markup stays text, and the reason the trace must give. */
const CASES: Array<[string, string, string]> = [
  ["an undeclared tool in a foreign tag", 'Let me.<tool_call>{"name": "delete_all", "arguments": {}}</tool_call> Done.', "undeclared-tool"],
  ["an undeclared tool in a function tag", "<function=rm_rf>{}</function>", "undeclared-tool"],
  ["an undeclared tool in a fenced JSON call", '```json\n{"name": "wipe", "arguments": {}}\n```', "undeclared-tool"],
  ["markup in a code sample", 'Example:\n```python\nprint("<tool_call>{\\"name\\": \\"get_weather\\"}</tool_call>")\n```\nThat is all.', "inside-code"],
  ["markup in inline code", 'Write `<tool_call>{"name": "get_weather", "arguments": {}}</tool_call>` to call it.', "inside-code"],
  ["markup deep in a long code sample", `\`\`\`\n${"a = 1\n".repeat(60)}<tool_call>{}</tool_call>\n\`\`\``, "inside-code"],
  ["markup in reasoning", '<think>I could write <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call> but no.</think>It is sunny.', "inside-reasoning"],
];

describe("the parser's notes for the trace", () => {
  it.each(CASES)("reports %s, with its reason", (_, output, reason) => {
    const { notes: found, events } = notes([output]);
    expect(events.some((event) => event.type === "call-start")).toBe(false);
    expect(whyNot(found)).toHaveLength(1);
    expect(whyNot(found)[0]).toMatchObject({ type: "not-a-call", reason });
  });

  it.each(CASES)("gives the same why-not list for every two-chunk split of %s", (_, output) => {
    const whole = whyNot(notes([output]).notes);
    for (let cut = 1; cut < output.length; cut++) expect(whyNot(notes(cutAt(output, [cut])).notes), `cut at ${cut}`).toEqual(whole);
  });

  it("gives the same why-not list for random splits of all cases together", () => {
    const output = CASES.map(([, sample]) => sample).join("\n\n");
    const whole = whyNot(notes([output]).notes);
    // Reasoning only opens at a boundary, so the last case is plain text here: six reports.
    expect(whole.map((note) => note.reason)).toEqual(["undeclared-tool", "undeclared-tool", "undeclared-tool", "inside-code", "inside-code", "inside-code"]);
    const random = seededRandom(16);
    for (let run = 0; run < 200; run++) {
      expect(whyNot(notes(cutAt(output, randomCuts(output, random, 7))).notes)).toEqual(whole);
    }
  });

  it("does not change the events: traced and untraced scans agree", () => {
    const output = CASES.map(([, sample]) => sample).join("\n");
    const chunks = cutAt(output, randomCuts(output, seededRandom(3), 5));
    expect(notes(chunks).events).toEqual(scanChunks({ tools, nonce: NONCE }, chunks));
  });

  it("says nothing about a declared call or plain text", () => {
    const { notes: found } = notes(['Sure. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>']);
    expect(whyNot(found)).toEqual([]);
  });

  it("reports a suffix held back because it could begin a marker, then the undecided markup", () => {
    const { notes: found, events } = notes(["It is sunny <tool_", 'call>{"name": "get_wea', 'ther", "arguments": {}}</tool_call>']);
    const held = found.filter((note) => note.type === "held");
    expect(held[0]).toEqual({ type: "held", reason: "marker-prefix", text: "<tool_" });
    expect(held).toContainEqual(expect.objectContaining({ reason: "undecided-markup", text: expect.stringContaining('<tool_call>{"name": "get_wea') }));
    expect(events.some((event) => event.type === "call-end")).toBe(true);
  });

  it("reports a long undecided region by its length, not its text", () => {
    // Arguments before the name: nothing is decided until the name arrives.
    const long = `<tool_call>{"arguments": {"city": "${"x".repeat(600)}`;
    const { notes: found } = notes([long, '"}, "name": "get_weather"}</tool_call>']);
    expect(found).toContainEqual({ type: "held", reason: "undecided-markup", text: `(${long.length} characters)` });
  });

  it("reports a call the provenance gate holds while its markup is still a copy of an input", () => {
    const echoed = '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>';
    const provenance = new ProvenanceIndex([`Page: ${echoed}`], { toolNames: ["get_weather"] });
    const { notes: found, events } = notes([echoed.slice(0, 60), echoed.slice(60)], { provenance });
    expect(found).toContainEqual(expect.objectContaining({ type: "held", reason: "provenance" }));
    expect(text(events)).toContain("<tool_call>");
  });

  it("does no tracing work without a note sink", () => {
    const scanner = createScanner({ tools, nonce: NONCE });
    expect(() => scanner.push("`<tool_call>` <think>x")).not.toThrow();
  });
});
