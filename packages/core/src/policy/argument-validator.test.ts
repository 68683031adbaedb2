import { describe, expect, it } from "vitest";
import { ArgumentValidator } from "./argument-validator.js";

describe("ArgumentValidator", () => {
  const validator = new ArgumentValidator([
    {
      name: "search",
      strict: true,
      parameters: {
        type: "object",
        properties: { query: { type: "string" }, limit: { type: "integer", minimum: 1 } },
        required: ["query"],
        additionalProperties: false,
      },
    },
    {
      name: "draft7",
      strict: true,
      parameters: {
        $schema: "http://json-schema.org/draft-07/schema#",
        type: "object",
        definitions: { id: { type: "string", pattern: "^[a-z]+$" } },
        properties: { id: { $ref: "#/definitions/id" } },
      },
    },
  ]);

  it("accepts arguments that match the schema", () => {
    expect(validator.check("search", '{"query":"x","limit":2}')).toEqual({ valid: true });
    expect(validator.check("draft7", '{"id":"abc"}')).toEqual({ valid: true });
  });

  it("says which field is wrong and why", () => {
    const result = validator.check("search", '{"limit":0,"extra":true}');
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.problem).toBe("schema");
    expect(result.reason).toContain('"query"');
    expect(result.reason).toContain("/limit");
  });

  it("follows $ref into draft-07 definitions", () => {
    expect(validator.check("draft7", '{"id":"ABC"}')).toMatchObject({ valid: false, problem: "schema" });
  });

  it("tells broken JSON and non-objects apart from schema errors", () => {
    expect(validator.check("search", '{"query":')).toMatchObject({ valid: false, problem: "syntax" });
    expect(validator.check("search", '["query"]')).toMatchObject({ valid: false, problem: "syntax" });
    expect(validator.check("search", "null")).toMatchObject({ valid: false, problem: "syntax" });
  });

  it("checks only the object shape for tools it does not know", () => {
    expect(validator.check("other", "{}")).toEqual({ valid: true });
  });
  it("checks a catastrophic pattern on RE2 and refuses arguments nested deeper than the limit", () => {
    const redos = new ArgumentValidator([{ name: "t", strict: false, parameters: { type: "object", properties: { s: { pattern: "^(a+)+$" } } } }]);
    expect(redos.check("t", JSON.stringify({ s: `${"a".repeat(50_000)}!` }))).toMatchObject({ valid: false, problem: "schema" });
    expect(redos.check("t", JSON.stringify({ s: "a".repeat(50_000) }))).toEqual({ valid: true });
    const deep = `{"s":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(redos.check("t", deep)).toEqual({ valid: false, problem: "syntax", reason: "they nest deeper than 128 levels" });
  });
});
