import { describe, expect, it } from "vitest";
import type { CustomToolFormat, ToolDefinition } from "../canonical.js";
import { ArgumentValidator } from "./argument-validator.js";

function custom(name: string, format: CustomToolFormat): ToolDefinition {
  return { name, parameters: { type: "object", properties: {} }, strict: format.type === "grammar", custom: { format } };
}

describe("custom tool input checks", () => {
  const validator = new ArgumentValidator([
    custom("free", { type: "text" }),
    custom("date", { type: "grammar", syntax: "regex", definition: "\\d{4}-\\d{2}-\\d{2}" }),
    custom("patch", { type: "grammar", syntax: "lark", definition: 'start: "*** Begin Patch" /(.|\\n)*/ "*** End Patch"' }),
    custom("broken", { type: "grammar", syntax: "regex", definition: "(?<=x)y" }),
  ]);

  it("accepts any text for a text format: raw input is not JSON", () => {
    expect(validator.check("free", 'not json at all: "quotes" \\ and\nnewlines')).toEqual({ valid: true });
    expect(validator.check("free", "")).toEqual({ valid: true });
  });

  it("requires a regex grammar to match the whole input", () => {
    expect(validator.check("date", "2026-12-06")).toEqual({ valid: true });
    const partial = validator.check("date", "on 2026-12-06");
    expect(partial).toMatchObject({ valid: false, problem: "syntax" });
    expect(partial.valid ? "" : partial.reason).toContain("regular expression");
  });

  it("matches in linear time: a pattern that backtracks exponentially elsewhere answers at once", () => {
    const evil = new ArgumentValidator([custom("evil", { type: "grammar", syntax: "regex", definition: "(a+)+$" })]);
    expect(evil.check("evil", `${"a".repeat(50_000)}!`)).toMatchObject({ valid: false });
  });

  it("passes Lark grammars and patterns RE2 cannot compile through unchecked", () => {
    expect(validator.check("patch", "anything")).toEqual({ valid: true });
    expect(validator.check("broken", "anything")).toEqual({ valid: true });
  });
});
