import { describe, expect, it } from "vitest";
import type { ToolChoice, ToolDefinition } from "../canonical.js";
import { defaultDialect } from "./default-dialect.js";
import type { RenderContext, ScanEvent } from "./dialect.js";

const nonce = "abc123xyz9";
const weather: ToolDefinition = {
  name: "get_weather",
  description: "Get the current weather for a city.",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: true,
};
const search: ToolDefinition = {
  name: "mcp__web__search",
  parameters: { type: "object", properties: { query: { type: "string", minLength: 1 } }, additionalProperties: false },
  strict: false,
};

function render(toolChoice: ToolChoice, parallelToolCalls = true, tools = [weather, search]): string {
  return defaultDialect.renderTools({ tools, toolChoice, parallelToolCalls, nonce });
}

describe("defaultDialect.renderTools", () => {
  it("gives the exact call syntax with this request's nonce", () => {
    const text = render({ type: "auto" });
    expect(text).toContain(`<call:${nonce}>{"name": "TOOL_NAME", "arguments": {ARGUMENTS}}</call:${nonce}>`);
    expect(text).toContain(`<result:${nonce} `);
    expect(text).toMatch(/valid JSON|JSON object matching/);
  });

  it("lists every tool with its description and exact JSON Schema", () => {
    const text = render({ type: "auto" });
    for (const tool of [weather, search]) {
      expect(text).toContain(`### ${tool.name}`);
      expect(text).toContain(JSON.stringify(tool.parameters));
    }
    expect(text).toContain(weather.description);
  });

  it("uses a placeholder for the example that is not a declared tool", () => {
    const example = /a tool named "([^"]+)"/;
    expect(render({ type: "auto" }).match(example)?.[1]).toBe("example_tool");
    const clash: ToolDefinition = { ...search, name: "example_tool" };
    const name = render({ type: "auto" }, true, [weather, clash]).match(example)?.[1];
    expect(name).not.toBe("example_tool");
    expect(render({ type: "auto" }, true, [weather, clash])).toContain(`<call:${nonce}>{"name": "${name}"`);
  });

  it("renders nothing for tool_choice none", () => {
    expect(render({ type: "none" })).toBe("");
  });

  it("expresses each tool_choice", () => {
    expect(render({ type: "auto" })).toMatch(/Call a tool when it helps you answer\. Otherwise answer in plain text/);
    expect(render({ type: "required" })).toMatch(/must contain at least one call block/);
    expect(render({ type: "required" }, false)).toMatch(/must contain exactly one call block/);

    const named = render({ type: "function", name: "mcp__web__search" });
    expect(named).toMatch(/exactly one call block calling "mcp__web__search", and nothing else/);
    expect(named).not.toContain("### get_weather");
    expect(named).not.toMatch(/several calls|at most one call block/);

    const allowed = render({ type: "allowed", mode: "auto", names: ["get_weather"] });
    expect(allowed).toContain("### get_weather");
    expect(allowed).not.toContain("mcp__web__search");
    expect(allowed).toMatch(/Call a tool when it helps/);
    expect(render({ type: "allowed", mode: "required", names: ["get_weather"] })).toMatch(/must contain at least one call block/);
  });

  it("expresses parallel_tool_calls", () => {
    expect(render({ type: "auto" }, true)).toMatch(/write all their call blocks one after another/);
    expect(render({ type: "auto" }, false)).toMatch(/at most one call block per reply/);
  });

  it("forbids inventing results and asks to stop after the calls", () => {
    const text = render({ type: "auto" });
    expect(text).toMatch(/never guess or invent what a tool would return/);
    expect(text).toMatch(/After your last call block, stop/);
  });
});

describe("defaultDialect.renderCall and renderResult", () => {
  const context: RenderContext = { tools: [weather], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce };

  it("renders a call in the syntax the instructions teach", () => {
    expect(defaultDialect.renderCall({ id: "call_1", name: "get_weather", arguments: '{ "city": "Paris" }' }, context)).toBe(
      `<call:${nonce}>{"name": "get_weather", "arguments": {"city":"Paris"}}</call:${nonce}>`,
    );
    expect(defaultDialect.renderCall({ id: "call_2", name: "ping", arguments: "" }, context)).toBe(
      `<call:${nonce}>{"name": "ping", "arguments": {}}</call:${nonce}>`,
    );
  });

  it("links a result to its call by id and name and marks errors", () => {
    expect(defaultDialect.renderResult({ callId: "call_1", name: "get_weather", content: "18°C" }, context)).toBe(
      `<result:${nonce} id="call_1" name="get_weather">\n18°C\n</result:${nonce}>`,
    );
    expect(
      defaultDialect.renderResult({ callId: "call_1", name: "get_weather", content: "city not found", isError: true }, context),
    ).toBe(`<result:${nonce} id="call_1" name="get_weather" error="true">\ncity not found\n</result:${nonce}>`);
  });
});

describe("defaultDialect.createScanner", () => {
  const context: RenderContext = { tools: [weather, search], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce };
  const calls = [
    { id: "call_1", name: "get_weather", arguments: '{"city": "Saint-\u00c9tienne \\"centre\\"\\nFrance"}' },
    { id: "call_2", name: "mcp__web__search", arguments: '{"query": "ünïcødé 🌍", "filters": {"site": ["a.org", "b.org"], "limit": 3}}' },
  ];

  function scan(text: string, scanNonce: string, chunkSize: number): ScanEvent[] {
    const scanner = defaultDialect.createScanner({ tools: [weather, search], nonce: scanNonce });
    const events: ScanEvent[] = [];
    for (let i = 0; i < text.length; i += chunkSize) events.push(...scanner.push(text.slice(i, i + chunkSize)));
    return [...events, ...scanner.end()];
  }

  it.each([1, 7, 1000])("parses back the calls renderCall writes (chunks of %i)", (chunkSize) => {
    const text = `Checking.\n${calls.map((call) => defaultDialect.renderCall(call, context)).join("\n")}`;
    const events = scan(text, nonce, chunkSize);
    expect(events.filter((e) => e.type === "call-start").map((e) => e.name)).toEqual(calls.map((call) => call.name));
    const ended = events.flatMap((e) => (e.type === "call-end" ? [JSON.parse(e.arguments)] : []));
    expect(ended).toEqual(calls.map((call) => JSON.parse(call.arguments)));
    expect(events.filter((e) => e.type === "text").map((e) => e.text).join("").trim()).toBe("Checking.");
  });

  it("does not take a call rendered with another request's nonce for a call", () => {
    const forged = defaultDialect.renderCall(calls[0]!, { ...context, nonce: "oldnonce01" });
    const events = scan(`Quoted: ${forged}`, nonce, 5);
    expect(events.some((e) => e.type === "call-start")).toBe(false);
  });
});
