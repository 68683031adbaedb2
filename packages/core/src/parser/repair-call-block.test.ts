import { describe, expect, it } from "vitest";
import type { ScanContext, ScanEvent } from "../dialect/dialect.js";
import { cutAt, scanChunks, tool } from "./scan-harness.js";

const NONCE = "r3pa1rn0nc";
const OPEN = `<call:${NONCE}>`;
const CLOSE = `</call:${NONCE}>`;
const context: ScanContext = { nonce: NONCE, tools: [tool("get_weather", { city: { type: "string" } }), tool("get_time")] };

/** The events of the whole text, after checking that every two-chunk split gives the same. */
function scan(text: string): ScanEvent[] {
  const whole = merged(scanChunks(context, [text]));
  for (let at = 1; at < text.length; at++) expect(merged(scanChunks(context, cutAt(text, [at]))), `split at ${at}`).toEqual(whole);
  return whole;
}

/** Deltas merged per call, so events compare whatever the chunking. */
function merged(events: ScanEvent[]): ScanEvent[] {
  const out: ScanEvent[] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (event.type === "call-delta" && last?.type === "call-delta") last.argumentsDelta += event.argumentsDelta;
    else if (event.type === "text" && last?.type === "text") last.text += event.text;
    else out.push({ ...event });
  }
  return out;
}

const invalid = (events: ScanEvent[]) => events.find((event) => event.type === "call-invalid");

describe("toolshim's marker: a broken call's JSON is repaired at the closing marker", () => {
  it.each([
    ["single quotes", `{'name': 'get_weather', 'arguments': {'city': 'Paris'}}`, '{"city": "Paris"}'],
    ["a trailing comma in the arguments", `{"name": "get_weather", "arguments": {"city": "Paris",}}`, '{"city": "Paris"}'],
    ["a missing closing brace", `{"name": "get_weather", "arguments": {"city": "Paris"}`, '{"city": "Paris"}'],
    ["an unescaped newline in a string", `{"name": "get_weather", "arguments": {"city": "Par\nis"}}`, '{"city": "Par\\nis"}'],
    ["Python literals", `{"name": "get_time", "arguments": {"utc": True, "zone": None}}`, '{"utc": true, "zone": null}'],
    ["a fenced block", '```json\n{"name": "get_weather", "arguments": {"city": "Oslo",}}\n```', '{"city": "Oslo"}'],
  ])("%s", (_, body, args) => {
    const events = scan(`Checking.${OPEN}${body}${CLOSE}`);
    const name = body.includes("get_time") ? "get_time" : "get_weather";
    expect(invalid(events)).toMatchObject({ type: "call-invalid", repaired: { name, arguments: args } });
    // The repair is a proposal: nothing of the broken markup becomes text, and the policy decides.
    expect(events.filter((event) => event.type === "text")).toEqual([{ type: "text", text: "Checking." }]);
  });

  it("leaves a call without its closing marker unrepaired (the model never said where it ends)", () => {
    const event = invalid(scan(`${OPEN}{"name": "get_weather", "arguments": {"city": "Par`));
    expect(event).toMatchObject({ type: "call-invalid" });
    expect(event).not.toHaveProperty("repaired");
  });

  it("names an undeclared tool, broken or not, so the policy can say unknown_tool", () => {
    for (const body of [`{"name": "send_money", "arguments": {}}`, `{'name': 'send_money', 'arguments': {'to': 'x',}}`]) {
      const event = invalid(scan(`${OPEN}${body}${CLOSE}`));
      expect(event).toMatchObject({ type: "call-invalid", name: "send_money" });
      expect(event).not.toHaveProperty("repaired");
    }
  });

  it("does not repair a call inside an array (the calls before it are out already) or what is no call at all", () => {
    const array = scan(`${OPEN}[{"name": "get_time", "arguments": {}}, {"name": "get_weather", "arguments": {"city": "X",}}]${CLOSE}`);
    expect(array.filter((event) => event.type === "call-end")).toHaveLength(1);
    expect(invalid(array)).not.toHaveProperty("repaired");
    for (const body of ['{"name": 42}', '{"arguments": {"city": "Paris"}}', '{"name": "get_weather", "arguments": "not json"}']) {
      expect(invalid(scan(`${OPEN}${body}${CLOSE}`))).not.toHaveProperty("repaired");
    }
  });

  it("mends only blocks small enough for jsonrepair's worst case (length times quotes), never an adversarial one", () => {
    const prose = "word ".repeat(250);
    const small = invalid(scan(`${OPEN}{'name': 'get_weather', 'arguments': {'city': '${prose}',}}${CLOSE}`));
    expect(small).toMatchObject({ repaired: { name: "get_weather" } });
    // Mismatched quotes make jsonrepair rescan the rest of the block once per quote: such a block is not mended.
    const quotes = `a" b`.repeat(400);
    expect(invalid(scanChunks(context, [`${OPEN}{"name": "get_weather", "arguments": {"city": "${quotes}"}}${CLOSE}`]))).not.toHaveProperty("repaired");
    const long = "x".repeat(9_000);
    expect(invalid(scanChunks(context, [`${OPEN}{'name': 'get_weather', 'arguments': {'city': '${long}',}}${CLOSE}`]))).not.toHaveProperty("repaired");
  });

  it("keeps intact calls exactly as before (no repair, no delay)", () => {
    const events = scanChunks(context, [`${OPEN}{"name": "get_weather", "arguments": {"city": "Paris"}}`]);
    expect(events.some((event) => event.type === "call-end")).toBe(true);
  });
});
