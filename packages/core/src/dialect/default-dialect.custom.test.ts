import { describe, expect, it } from "vitest";
import type { ToolDefinition } from "../canonical.js";
import { defaultDialect } from "./default-dialect.js";
import type { RenderContext, ScanEvent } from "./dialect.js";

const NONCE = "c7u2st0m9x";
const patch: ToolDefinition = {
  name: "apply_patch",
  description: "Edit files with a patch.",
  parameters: { type: "object", properties: {} },
  strict: false,
  custom: { format: { type: "text" } },
};
const date: ToolDefinition = {
  name: "set_date",
  parameters: { type: "object", properties: {} },
  strict: true,
  custom: { format: { type: "grammar", syntax: "regex", definition: "\\d{4}-\\d{2}-\\d{2}" } },
};
const weather: ToolDefinition = { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false };

function context(tools: ToolDefinition[]): RenderContext {
  return { tools, toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: NONCE };
}

describe("custom tools in the default dialect", () => {
  it("explains the raw form only when a custom tool can be called, and marks each custom tool's input", () => {
    const text = defaultDialect.renderTools(context([weather, patch, date]));
    expect(text).toContain(`<call:${NONCE}>TOOL_NAME\nRAW INPUT\n</call:${NONCE}>`);
    expect(text).toContain("### apply_patch\nEdit files with a patch.\nInput: raw text");
    expect(text).toContain("### set_date\nInput: raw text. It must match this regular expression:\n```\n\\d{4}-\\d{2}-\\d{2}\n```");
    expect(text).toContain('### get_weather\nParameters (JSON Schema): {"type":"object"');
    expect(defaultDialect.renderTools(context([weather]))).not.toContain("RAW INPUT");
  });

  it("replays a custom call in the raw form, which its scanner reads back verbatim", () => {
    const input = 'line "one"\n\\ line two\n';
    const rendered = defaultDialect.renderCall({ id: "call_1", name: "apply_patch", arguments: input, custom: true }, context([patch]));
    expect(rendered).toBe(`<call:${NONCE}>apply_patch\n${input}\n</call:${NONCE}>`);
    const scanner = defaultDialect.createScanner({ tools: [patch], nonce: NONCE });
    const events: ScanEvent[] = [...scanner.push(rendered), ...scanner.end()];
    expect(events.at(-1)).toEqual({ type: "call-end", index: 0, arguments: input });
  });
});
