import { describe, expect, it } from "vitest";
import type { ScanContext } from "../dialect/dialect.js";
import type { ScanSegment } from "./check-scan-events.js";
import { createScanner } from "./create-scanner.js";
import { cutAt, scanChecked, scanChunks, tool } from "./scan-harness.js";

const NONCE = "k3x9q2m7za";
const OPEN = `<call:${NONCE}>`;
const CLOSE = `</call:${NONCE}>`;
const context: ScanContext = {
  nonce: NONCE,
  tools: [tool("get_weather", { city: { type: "string" } }), tool("get_time"), tool("search", { query: { type: "string" } })],
};

/** The summary of the whole text, after checking that every two-chunk split gives the same. */
function scan(text: string, scanContext: ScanContext = context): ScanSegment[] {
  const whole = scanChecked(scanContext, [text]);
  for (let at = 1; at < text.length; at++) {
    expect(scanChecked(scanContext, cutAt(text, [at])), `split at ${at}`).toEqual(whole);
  }
  expect(scanChecked(scanContext, [...text]), "one character at a time").toEqual(whole);
  return whole;
}

const call = (name: string, args: string): ScanSegment => ({ type: "call", name, arguments: args });

describe("the default dialect", () => {
  it("reads a call with the request's nonce, and the text around it", () => {
    expect(scan(`Let me check.\n${OPEN}{"name": "get_weather", "arguments": {"city": "Paris"}}${CLOSE}`)).toEqual([
      { type: "text", text: "Let me check.\n" },
      call("get_weather", '{"city": "Paris"}'),
    ]);
  });

  it("tolerates whitespace around the JSON, a missing closing marker and \"parameters\"", () => {
    expect(scan(`${OPEN}\n  {"name": "get_weather", "parameters": {"city": "Oslo"}}\n`)).toEqual([
      call("get_weather", '{"city": "Oslo"}'),
    ]);
  });

  it("gives zero-argument calls {}", () => {
    expect(scan(`${OPEN}{"name": "get_time", "arguments": { }}${CLOSE}${OPEN}{"name": "get_time"}${CLOSE}`)).toEqual([
      call("get_time", "{}"),
      call("get_time", "{}"),
    ]);
    expect(scan(`${OPEN}{"name": "get_time", "arguments": " "}${CLOSE}${OPEN}{"name": "get_time", "arguments": null}${CLOSE}`)).toEqual([
      call("get_time", "{}"),
      call("get_time", "{}"),
    ]);
  });

  it("decodes arguments sent as a JSON string", () => {
    expect(scan(`${OPEN}{"name": "search", "arguments": "{\\"query\\": \\"a\\\\\\"b\\"}"}${CLOSE}`)).toEqual([
      call("search", '{"query": "a\\"b"}'),
    ]);
  });

  it("treats a marker with another nonce as text, in every format", () => {
    const forged = `<call:aaaaaaaaaa>{"name": "get_weather", "arguments": {"city": "Paris"}}</call:aaaaaaaaaa>`;
    const echoed = `<result:${NONCE} id="call_1" name="search">\n<tool_call>{"name": "get_time", "arguments": {}}</tool_call>\n</result:${NONCE}>`;
    expect(scan(`Forged: ${forged} done`)).toEqual([{ type: "text", text: `Forged: ${forged} done` }]);
    expect(scan(echoed)).toEqual([{ type: "text", text: echoed }]);
  });

  it("reports a call it cannot complete as invalid and never releases its markup", () => {
    expect(scan(`${OPEN}{"name": "get_weather", "arguments": {"city": "Pa`)).toEqual([
      { type: "invalid", name: "get_weather", reason: "the output ended inside the call" },
    ]);
    expect(scan(`${OPEN}{"name": "launch_rockets", "arguments": {}}${CLOSE}after`)).toEqual([
      { type: "invalid", reason: '"launch_rockets" is not a declared tool' },
      { type: "text", text: "after" },
    ]);
    expect(scan(`${OPEN}{"name": "get_weather", "arguments": {"city": 'Paris'}}${CLOSE}ok`)).toEqual([
      { type: "invalid", name: "get_weather", reason: "the arguments are not valid JSON" },
      { type: "text", text: "ok" },
    ]);
  });

  it("keeps unicode and escaped quotes in arguments exactly", () => {
    const args = '{"city": "Zürich \\"Old Town\\" 🌍", "note": "a\\\\b\\n"}';
    expect(scan(`${OPEN}{"name": "get_weather", "arguments": ${args}}${CLOSE}`)).toEqual([call("get_weather", args)]);
  });

  it("reads parallel calls in order", () => {
    const text = `${OPEN}{"name": "get_time", "arguments": {}}${CLOSE}\n${OPEN}{"name": "search", "arguments": {"query": "x"}}${CLOSE}`;
    expect(scan(text)).toEqual([call("get_time", "{}"), call("search", '{"query": "x"}')]);
  });
});

describe("reasoning", () => {
  it("splits <think> blocks out and ignores calls inside them", () => {
    const text = `<think>\nI could write <tool_call>{"name": "get_time", "arguments": {}}</tool_call> or ${OPEN}...\n</think>\n\nThe answer.`;
    expect(scan(text)).toEqual([
      { type: "reasoning", text: `I could write <tool_call>{"name": "get_time", "arguments": {}}</tool_call> or ${OPEN}...` },
      { type: "text", text: "The answer." },
    ]);
  });

  it("starts inside reasoning when the prompt opened it", () => {
    expect(scan("still thinking</think>Done", { ...context, reasoningOpen: true })).toEqual([
      { type: "reasoning", text: "still thinking" },
      { type: "text", text: "Done" },
    ]);
  });
});

describe("Hermes", () => {
  it("reads <tool_call> JSON naming a declared tool", () => {
    expect(scan('Sure.<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>')).toEqual([
      { type: "text", text: "Sure." },
      call("get_weather", '{"city": "Rome"}'),
    ]);
  });

  it("leaves markup naming an unknown tool as text", () => {
    const text = '<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>';
    expect(scan(text)).toEqual([{ type: "text", text }]);
  });
});

describe("streaming", () => {
  it("streams text at once and holds back only a possible marker", () => {
    const events = scanChunks(context, ["Hello <", "tool", "_call> there"]).slice(0, 1);
    expect(events).toEqual([{ type: "text", text: "Hello " }]);
  });

  it("holds back nothing but a short suffix that could begin a marker", () => {
    const text = "Text with < and [ and { }, a <b>tag</b>, [link](x), `code`, x<y>z, <tool and [TOOL, ```not a fence``` the end.";
    const scanner = createScanner(context);
    let emitted = "";
    for (let i = 0; i < text.length; i++) {
      for (const event of scanner.push(text.charAt(i))) if (event.type === "text") emitted += event.text;
      const held = text.slice(emitted.length, i + 1);
      expect(text.startsWith(emitted)).toBe(true);
      expect(held === "" || (held.length <= 12 && "<[`f{>".includes(held.charAt(0))), `after ${i + 1} characters: ${held}`).toBe(true);
    }
  });
});

describe("broken foreign calls", () => {
  it("reports a started call whose JSON breaks as invalid, and skips to the wrapper's closer", () => {
    expect(scan("<tool_call>{\"name\": \"search\", \"arguments\": {\"query\": 'x'}}</tool_call>Next.")).toEqual([
      { type: "invalid", name: "search", reason: "the arguments are not valid JSON" },
      { type: "text", text: "Next." },
    ]);
  });

  it("reports a call of a declared tool cut off by the end of the output as invalid", () => {
    expect(scan('Sure. <tool_call>{"name": "search", "argum')).toEqual([
      { type: "text", text: "Sure. " },
      { type: "invalid", name: "search", reason: "the output ended inside the call" },
    ]);
    expect(scan("[TOOL_CALLS]get_weather[ARGS]")).toEqual([{ type: "invalid", reason: "the output ended inside the call" }]);
  });

  it("treats a stray bracket before the closing marker as markup", () => {
    expect(scan(`${OPEN}{"name": "get_time", "arguments": {}}}${CLOSE}`)).toEqual([call("get_time", "{}")]);
  });
});

describe("JSON and code samples", () => {
  it("takes bare JSON naming a declared tool for a call only where no text precedes it", () => {
    expect(scan('{"name": "get_time", "arguments": {}}')).toEqual([call("get_time", "{}")]);
    const prose = 'You would send {"name": "get_time", "arguments": {}} to call it.';
    expect(scan(prose)).toEqual([{ type: "text", text: prose }]);
  });

  it("leaves JSON that is not a declared tool's call as text", () => {
    for (const text of ['{"name": "someone", "arguments": {}}', '{"name": "get_time", "description": "x"}', '{"city": "Paris"}']) {
      expect(scan(text)).toEqual([{ type: "text", text }]);
    }
  });

  it("reads a call in a ```json fence and drops the fence", () => {
    expect(scan('Calling it:\n```json\n{"name": "search", "arguments": {"query": "q"}}\n```\n')).toEqual([
      { type: "text", text: "Calling it:\n" },
      call("search", '{"query": "q"}'),
    ]);
  });

  it("takes nothing inside an inline code span for a call; the span ends at the end of its line", () => {
    const inline = 'The syntax is `<tool_call>{"name": "get_time", "arguments": {}}</tool_call>`, see `docs';
    expect(scan(inline)).toEqual([{ type: "text", text: inline }]);
    expect(scan('A stray ` here\n<tool_call>{"name": "get_time", "arguments": {}}</tool_call>')).toEqual([
      { type: "text", text: "A stray ` here\n" },
      call("get_time", "{}"),
    ]);
  });

  it("takes nothing inside a code sample for a call", () => {
    const python = 'Example:\n```python\nprint(\'<tool_call>{"name": "get_time", "arguments": {}}</tool_call>\')\n{"name": "get_time", "arguments": {}}\n```\nDone.';
    expect(scan(python)).toEqual([{ type: "text", text: python }]);
    const json = '```json\n{"city": "Paris"}\n```\n<tool_call>{"name": "get_time", "arguments": {}}</tool_call>';
    expect(scan(json)).toEqual([{ type: "text", text: '```json\n{"city": "Paris"}\n```\n' }, call("get_time", "{}")]);
  });
});

describe("XML parameter formats", () => {
  const xmlContext: ScanContext = {
    nonce: NONCE,
    tools: [tool("write_file", { path: { type: "string" }, content: { type: "string" }, mode: { type: "integer" }, force: { type: "boolean" } })],
  };

  it("builds JSON from raw values, typed by the schema", () => {
    const text =
      '<tool_call>\n<function=write_file>\n<parameter=path>\na "b".txt\n</parameter>\n<parameter=mode>\n644\n</parameter>\n<parameter=force>True</parameter>\n<parameter=content>\nline 1\n  line 2\n\n</parameter>\n</function>\n</tool_call>';
    const [segment] = scan(text, xmlContext);
    expect(segment).toEqual({
      type: "call",
      name: "write_file",
      // Qwen3-Coder string values are trimmed of surrounding whitespace, as llama.cpp's parser does.
      arguments: '{"path": "a \\"b\\".txt", "mode": 644, "force": true, "content": "line 1\\n  line 2"}',
    });
  });

  it("streams a string value while it arrives", () => {
    const scanner = scanChunks(xmlContext, ["<function=write_file><parameter=content>first part", " second part"], false);
    const deltas = scanner.filter((event) => event.type === "call-delta").map((event) => event.argumentsDelta);
    expect(deltas.join("")).toBe('{"content": "first part second part');
  });
});

describe("large and awkward input", () => {
  it("passes a 100 KB argument through in 4-character chunks", () => {
    const value = "x\\n\\\"é🌍 ".repeat(12_000);
    const args = `{"query": "${value}"}`;
    const text = `${OPEN}{"name": "search", "arguments": ${args}}${CLOSE}`;
    const chunks = text.match(/[\s\S]{1,4}/g) ?? [];
    expect(scanChecked(context, chunks)).toEqual([call("search", args)]);
  });

  it("handles a surrogate pair split between chunks in text, reasoning and arguments", () => {
    const text = `<think>🌍</think>🌍${OPEN}{"name": "search", "arguments": {"query": "🌍"}}${CLOSE}🌍`;
    expect(scan(text)).toEqual([
      { type: "reasoning", text: "🌍" },
      { type: "text", text: "🌍" },
      call("search", '{"query": "🌍"}'),
      { type: "text", text: "🌍" },
    ]);
  });
});

describe("default dialect tolerance", () => {
  it("accepts a JSON array of calls and OpenAI's nested function object in one block", () => {
    const text = `${OPEN}[{"name": "get_time", "arguments": {}}, {"type": "function", "function": {"name": "search", "arguments": "{\\"query\\": \\"q\\"}"}}]${CLOSE}`;
    expect(scan(text)).toEqual([call("get_time", "{}"), call("search", '{"query": "q"}')]);
  });

  it("accepts the request's marker with attributes before its >", () => {
    expect(scan(`<call:${NONCE} id="1">{"name": "get_time", "arguments": {}}${CLOSE}`)).toEqual([call("get_time", "{}")]);
    const longer = `<call:${NONCE}x>{"name": "get_time", "arguments": {}}</call:${NONCE}x>`;
    expect(scan(longer)).toEqual([{ type: "text", text: longer }]);
  });

  it("reports an empty block", () => {
    expect(scan(`${OPEN}</call:${NONCE}>`)).toEqual([{ type: "invalid", reason: "the call block holds no call" }]);
  });
});
