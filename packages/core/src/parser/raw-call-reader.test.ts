import { describe, expect, it } from "vitest";
import type { ToolDefinition } from "../canonical.js";
import type { ScanContext, ScanEvent } from "../dialect/dialect.js";
import { cutAt, scanChecked, scanChunks, tool } from "./scan-harness.js";

const NONCE = "r4w8bq2x1c";
const OPEN = `<call:${NONCE}>`;
const CLOSE = `</call:${NONCE}>`;

function customTool(name: string, format: NonNullable<ToolDefinition["custom"]>["format"] = { type: "text" }): ToolDefinition {
  return { name, parameters: { type: "object", properties: {} }, strict: false, custom: { format } };
}

const context: ScanContext = {
  nonce: NONCE,
  tools: [customTool("apply_patch"), customTool("ns.run_sql"), tool("get_weather", { city: { type: "string" } })],
};

type Segment = { type: "text"; text: string } | { type: "call"; name: string; input: string } | { type: "invalid"; reason: string };

/**
 * The events as text, calls and failures, after checking what a raw call promises: deltas in order that concatenate
 * to the end's input, no delta splitting a surrogate pair, indexes 0..n-1.
 */
function summarize(events: ScanEvent[]): Segment[] {
  const segments: Segment[] = [];
  let open: { index: number; name: string; input: string } | null = null;
  let started = 0;
  for (const event of events) {
    switch (event.type) {
      case "text": {
        const last = segments.at(-1);
        if (last?.type === "text") last.text += event.text;
        else segments.push({ type: "text", text: event.text });
        break;
      }
      case "call-start":
        expect(open).toBeNull();
        expect(event.index).toBe(started++);
        open = { index: event.index, name: event.name, input: "" };
        break;
      case "call-delta":
        expect(open?.index).toBe(event.index);
        expect(event.argumentsDelta).not.toBe("");
        expect(/[\uD800-\uDBFF]$/.test(event.argumentsDelta)).toBe(false);
        open!.input += event.argumentsDelta;
        break;
      case "call-end":
        expect(open?.index).toBe(event.index);
        expect(event.arguments).toBe(open!.input);
        segments.push({ type: "call", name: open!.name, input: event.arguments });
        open = null;
        break;
      case "call-invalid":
        open = null;
        segments.push({ type: "invalid", reason: event.reason });
        break;
      case "reasoning":
        throw new Error("no reasoning expected");
    }
  }
  expect(open).toBeNull();
  return segments;
}

/** The summary of the whole text, after checking that every two-chunk split and one character at a time give the same. */
function scan(text: string): Segment[] {
  const whole = summarize(scanChunks(context, [text]));
  for (let at = 1; at < text.length; at++) {
    expect(summarize(scanChunks(context, cutAt(text, [at]))), `split at ${at}`).toEqual(whole);
  }
  expect(summarize(scanChunks(context, [...text])), "one character at a time").toEqual(whole);
  return whole;
}

const PATCH = '*** Begin Patch\n*** Update File: a.txt\n@@\n-say "hi"\n+say "hello" </call:other> \\n {"x": 1}\n*** End Patch';

describe("the raw form of the default dialect", () => {
  it("reads a custom tool's input verbatim: quotes, backslashes, newlines, other markers", () => {
    expect(scan(`I will patch it.\n${OPEN}apply_patch\n${PATCH}\n${CLOSE}\nDone?`)).toEqual([
      { type: "text", text: "I will patch it.\n" },
      { type: "call", name: "apply_patch", input: PATCH },
      { type: "text", text: "Done?" },
    ]);
  });

  it("drops only one newline after the name and one before the closing marker (CRLF too)", () => {
    expect(scan(`${OPEN}apply_patch\r\n\n  indented\n\n${CLOSE}`)).toEqual([{ type: "call", name: "apply_patch", input: "\n  indented\n" }]);
    expect(scan(`${OPEN}apply_patch\r\nline\r\n${CLOSE}`)).toEqual([{ type: "call", name: "apply_patch", input: "line" }]);
  });

  it("accepts empty input, input on the name's line, and namespaced names", () => {
    expect(scan(`${OPEN}apply_patch${CLOSE}${OPEN}apply_patch\n${CLOSE}`)).toEqual([
      { type: "call", name: "apply_patch", input: "" },
      { type: "call", name: "apply_patch", input: "" },
    ]);
    expect(scan(`${OPEN}ns.run_sql SELECT 1;${CLOSE}`)).toEqual([{ type: "call", name: "ns.run_sql", input: "SELECT 1;" }]);
  });

  it("keeps surrogate pairs whole in every delta", () => {
    expect(scan(`${OPEN}apply_patch\n😀 é 😀\n${CLOSE}`)).toEqual([{ type: "call", name: "apply_patch", input: "😀 é 😀" }]);
  });

  it("streams the input before the closing marker arrives", () => {
    const events = scanChunks(context, [`${OPEN}apply_patch\nfirst line\nsecond`], false);
    expect(events).toEqual([
      { type: "call-start", index: 0, name: "apply_patch" },
      { type: "call-delta", index: 0, argumentsDelta: "first line\nsecond" },
    ]);
  });

  it("reports an undeclared name, and an unclosed block, as invalid calls whose markup never becomes text", () => {
    expect(scan(`${OPEN}rm_rf\nall of it\n${CLOSE}after`)).toEqual([
      { type: "invalid", reason: '"rm_rf" is not a declared tool' },
      { type: "text", text: "after" },
    ]);
    expect(scan(`${OPEN}apply_patch\nhalf a patch`)).toEqual([{ type: "invalid", reason: "the call block was not closed" }]);
  });

  it("takes a function tool written in the raw form as its JSON arguments", () => {
    expect(scanChecked(context, [`${OPEN}get_weather\n{"city": "Oslo"}\n${CLOSE}`])).toEqual([
      { type: "call", name: "get_weather", arguments: '{"city": "Oslo"}' },
    ]);
    expect(scan(`${OPEN}get_weather\nOslo\n${CLOSE}`)).toEqual([{ type: "invalid", reason: "the arguments are not a valid JSON object" }]);
  });

  it("leaves the JSON form as it was", () => {
    expect(scanChecked(context, [`${OPEN}{"name": "get_weather", "arguments": {"city": "Oslo"}}${CLOSE}`])).toEqual([
      { type: "call", name: "get_weather", arguments: '{"city": "Oslo"}' },
    ]);
  });
});
