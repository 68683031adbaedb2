import { describe, expect, it } from "vitest";
import { formatStrictContext, strictSchemaProblem } from "./strict-schema-rules.js";

const ok = {
  type: "object",
  properties: {
    city: { type: "string", description: "City" },
    unit: { anyOf: [{ type: "string", enum: ["c", "f"] }, { type: "null" }] },
    stops: { type: "array", items: { $ref: "#/$defs/stop" }, minItems: 1 },
  },
  required: ["city", "unit", "stops"],
  additionalProperties: false,
  $defs: { stop: { type: "object", properties: { at: { type: "string", format: "date-time" } }, required: ["at"], additionalProperties: false } },
};

describe("strictSchemaProblem", () => {
  it("accepts schemas that follow OpenAI's strict rules", () => {
    expect(strictSchemaProblem(ok)).toBeNull();
    expect(strictSchemaProblem({ type: "object", properties: {}, additionalProperties: false })).toBeNull();
  });

  it("says what OpenAI says, with the context", () => {
    expect(strictSchemaProblem({ type: "object", properties: { a: { type: "string" } }, required: ["a"] })).toEqual({
      context: [],
      message: "'additionalProperties' is required to be supplied and to be false.",
    });
    expect(strictSchemaProblem({ ...ok, required: ["city", "stops"] })).toEqual({
      context: [],
      message: "'required' is required to be supplied and to be an array including every key in properties. Missing 'unit'.",
    });
    const nested = { ...ok, properties: { ...ok.properties, city: { type: "object", properties: { n: { type: "string" } }, required: ["n"] } } };
    expect(strictSchemaProblem(nested)?.context).toEqual(["properties", "city"]);
    expect(strictSchemaProblem({ ...ok, properties: { ...ok.properties, city: { type: "string", minLength: 1 } } })).toEqual({
      context: ["properties", "city"],
      message: "'minLength' is not permitted.",
    });
    expect(strictSchemaProblem({ ...ok, allOf: [{}] })?.message).toBe("'allOf' is not permitted.");
    expect(strictSchemaProblem({ ...ok, properties: { ...ok.properties, city: { type: "string", default: "x" } } })?.message).toBe("'default' is not permitted.");
    expect(strictSchemaProblem({ ...ok, required: [...ok.required, "ghost"] })?.message).toMatch(/Extra required key 'ghost'/);
    expect(strictSchemaProblem({ anyOf: [ok] })?.message).toBe(`schema must be a JSON Schema of 'type: "object"', got 'type: "None"'.`);
    expect(strictSchemaProblem({ ...ok, $defs: { stop: { type: "string", format: "uri" } } })).toMatchObject({ context: ["$defs", "stop"] });
  });

  it("limits object nesting to 10 levels", () => {
    let schema: Record<string, unknown> = { type: "object", properties: {}, additionalProperties: false };
    for (let i = 0; i < 10; i++) schema = { type: "object", properties: { a: schema }, required: ["a"], additionalProperties: false };
    expect(strictSchemaProblem(schema)?.message).toMatch(/more than 10 levels/);
  });

  it("prints contexts as OpenAI does", () => {
    expect(formatStrictContext([])).toBe("()");
    expect(formatStrictContext(["properties"])).toBe("('properties',)");
    expect(formatStrictContext(["properties", "a", "anyOf", 0])).toBe("('properties', 'a', 'anyOf', 0)");
  });
});
