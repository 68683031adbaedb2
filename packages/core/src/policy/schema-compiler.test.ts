import { describe, expect, it } from "vitest";
import { compileSchema, SchemaError } from "./schema-compiler.js";

function problem(schema: unknown): { pointer: string; message: string } {
  try {
    compileSchema(schema);
  } catch (error) {
    if (error instanceof SchemaError) return { pointer: error.pointer, message: error.message };
    throw error;
  }
  throw new Error("the schema compiled");
}

function nested(depth: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < depth; i++) schema = { type: "object", properties: { a: schema } };
  return schema;
}

describe("compileSchema", () => {
  it("accepts ordinary tool schemas, including recursive ones that descend", () => {
    const tree = {
      $defs: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } } },
      $ref: "#/$defs/node",
    };
    expect(compileSchema(tree).needsRewrite).toBe(false);
    expect(compileSchema({ type: "object", properties: { id: { type: "string", pattern: "^[a-z]+$" } } }).needsRewrite).toBe(true);
    expect(compileSchema({ type: "object", properties: { at: { type: "string", format: "date-time" } } }).needsRewrite).toBe(true);
    expect(compileSchema({ type: "object", components: { schemas: { X: { type: "string" } } }, properties: { x: { $ref: "#/components/schemas/X" } } })).toBeDefined();
  });

  it("names keywords of the wrong type with their pointer", () => {
    expect(problem({ allOf: 7 })).toEqual({ pointer: "#/allOf", message: "'allOf' must be a non-empty array of schemas" });
    expect(problem({ properties: { a: { type: "strin" } } }).pointer).toBe("#/properties/a/type");
    expect(problem({ properties: { a: { minLength: -1 } } }).pointer).toBe("#/properties/a/minLength");
    expect(problem({ properties: { a: { items: 3 } } }).pointer).toBe("#/properties/a/items");
    expect(problem({ required: "a" }).pointer).toBe("#/required");
    expect(problem({ properties: [] }).pointer).toBe("#/properties");
    expect(problem({ multipleOf: 0 }).pointer).toBe("#/multipleOf");
    expect(problem([]).pointer).toBe("#");
  });

  it("refuses what is not a regex at its pointer, and lists patterns RE2 cannot run as unenforced", () => {
    expect(problem({ properties: { a: { pattern: "([" } } })).toMatchObject({ pointer: "#/properties/a/pattern" });
    const unenforced = compileSchema({ properties: { a: { pattern: "(a)\\1" }, b: { pattern: "(?=a)b" }, c: { pattern: "^.{1,5000}$" } } }).unenforcedPatterns;
    expect(unenforced.map((entry) => entry.pointer)).toEqual(["#/properties/c/pattern", "#/properties/b/pattern", "#/properties/a/pattern"]);
    expect(unenforced[2]?.message).toMatch(/backreference or lookaround/);
    expect(unenforced[0]?.message).toMatch(/cannot be run by toolshim's linear-time regex engine/);
    expect(problem({ patternProperties: { "a/(": {} } })).toMatchObject({ pointer: "#/patternProperties/a~1(" });
    expect(problem({ pattern: "a".repeat(5000) }).message).toMatch(/at most 4096/);
  });

  it("refuses $refs that do not resolve inside the document", () => {
    expect(problem({ properties: { a: { $ref: "#/$defs/missing" } } })).toMatchObject({ pointer: "#/properties/a/$ref" });
    expect(problem({ $ref: "https://example.com/schema.json" }).message).toMatch(/fetches no remote/);
  });

  it("refuses $ref loops that never descend into the arguments", () => {
    expect(problem({ $ref: "#" }).message).toMatch(/never end/);
    expect(problem({ $defs: { a: { $ref: "#/$defs/b" }, b: { allOf: [{ $ref: "#/$defs/a" }] } }, properties: { x: { $ref: "#/$defs/a" } } }).message).toMatch(
      /never end/,
    );
    expect(problem({ anyOf: [{ not: { $ref: "#" } }] }).message).toMatch(/never end/);
    expect(problem({ $recursiveAnchor: true, $recursiveRef: "#" }).pointer).toBe("#/$recursiveRef");
  });

  it("bounds depth and size without recursing on the input", () => {
    expect(problem(nested(60)).message).toMatch(/deeper than 100/);
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(problem(deep).message).toMatch(/deeper than/);
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`p${i}`, { type: "string" }])) };
    expect(problem(wide).message).toMatch(/more than 10000 subschemas/);
  });
  it("compiles a schema sent again as a new object only once", () => {
    const schema = { type: "object", properties: { q: { type: "string", pattern: "^x" } } };
    expect(compileSchema(structuredClone(schema))).toBe(compileSchema(structuredClone(schema)));
  });
});
