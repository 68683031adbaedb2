import { describe, expect, it } from "vitest";
import { anthropicStrictRules } from "./anthropic-strict-rules.js";
import { newStrictTotals, strictSchemaProblem } from "./strict-schema-rules.js";

const ok = {
  type: "object",
  properties: {
    city: { type: "string", description: "City", default: "Paris" },
    unit: { anyOf: [{ type: "string", enum: ["c", "f"] }, { type: "null" }] },
    stops: { type: "array", items: { $ref: "#/$defs/stop" }, minItems: 1 },
    site: { type: "string", format: "uri", pattern: "^https://[a-z.]+$" },
  },
  required: ["city"],
  additionalProperties: false,
  $defs: { stop: { type: "object", properties: { at: { type: "string", format: "date-time" } }, required: ["at"], additionalProperties: false } },
};
const check = (schema: unknown) => strictSchemaProblem(schema, anthropicStrictRules);
const withCity = (city: Record<string, unknown>) => ({ ...ok, properties: { ...ok.properties, city } });

describe("Anthropic's strict schema rules", () => {
  it("accept optional properties, default, allOf, uri and simple patterns, which OpenAI's refuse", () => {
    expect(check(ok)).toBeNull();
    expect(check({ ...ok, allOf: [{ type: "object", properties: {}, additionalProperties: false }] })).toBeNull();
    expect(strictSchemaProblem(ok)).not.toBeNull();
  });

  it("require additionalProperties: false on every object, allOf branches included", () => {
    expect(check({ type: "object", properties: {} })).toEqual({ context: [], message: "'additionalProperties' is required to be supplied and to be false." });
    expect(check({ ...ok, allOf: [{ type: "object", properties: { a: { type: "string" } } }] })?.context).toEqual(["allOf", 0]);
  });

  it.each([
    ["minimum", { type: "integer", minimum: 1 }, "'minimum' is not supported in strict schemas"],
    ["maxLength", { type: "string", maxLength: 3 }, "'maxLength' is not supported"],
    ["maxItems", { type: "array", maxItems: 3 }, "'maxItems' is not supported"],
    ["minItems 2", { type: "array", minItems: 2 }, "'minItems' may only be 0 or 1"],
    ["an object in an enum", { enum: [{ a: 1 }] }, "'enum' values must be strings"],
    ["an array const", { const: [1] }, "'const' must be"],
    ["oneOf", { oneOf: [{ type: "string" }] }, "'oneOf' is not permitted."],
    ["a word boundary", { type: "string", pattern: "\\bcat\\b" }, "'pattern' uses a word boundary"],
    ["a lookahead", { type: "string", pattern: "^(?=a)" }, "'pattern' uses a lookaround"],
    ["a backreference", { type: "string", pattern: "(a)\\1" }, "'pattern' uses a backreference"],
    ["format: regex", { type: "string", format: "regex" }, "'format' \"regex\" is not permitted"],
  ])("refuse %s, naming where", (_, city, message) => {
    expect(check(withCity(city))).toMatchObject({ context: ["properties", "city"], message: expect.stringContaining(message) });
  });

  it("let escaped and bracketed look-alikes through", () => {
    expect(check(withCity({ type: "string", pattern: "^\\\\b[\\b(?=]$" }))).toBeNull();
  });

  it("refuse recursive schemas, through the root or through definitions", () => {
    const tree = { ...ok, properties: { ...ok.properties, child: { $ref: "#" } } };
    expect(check(tree)).toMatchObject({ context: ["properties", "child", "$ref"], message: expect.stringContaining("recursive schemas are not supported") });
    const defs = {
      ...ok,
      $defs: {
        a: { type: "object", properties: { b: { $ref: "#/$defs/b" } }, additionalProperties: false },
        b: { type: "object", properties: { a: { $ref: "#/$defs/a" } }, additionalProperties: false },
      },
    };
    expect(check(defs)?.message).toMatch(/recursive/);
    const openai = { type: "object", properties: { child: { $ref: "#" } }, required: ["child"], additionalProperties: false };
    expect(strictSchemaProblem(openai)).toBeNull();
  });

  it("count optional and union-typed properties across a request's schemas", () => {
    const optional = (n: number) => ({ type: "object", properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, { type: "string" }])), additionalProperties: false });
    const totals = newStrictTotals();
    expect(strictSchemaProblem(optional(20), anthropicStrictRules, totals)).toBeNull();
    expect(strictSchemaProblem(optional(5), anthropicStrictRules, totals)?.message).toMatch(/more than 24 optional parameters/);
    const unions = { type: "object", properties: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`u${i}`, { type: ["string", "null"] }])), required: Array.from({ length: 17 }, (_, i) => `u${i}`), additionalProperties: false };
    expect(check(unions)?.message).toMatch(/more than 16 parameters with union types/);
  });
});

describe("checking a strict schema stays linear", () => {
  it("in the number of properties and required names (no includes() over them)", () => {
    const names = Array.from({ length: 200_000 }, (_, i) => `p${i}`);
    const schema = { type: "object", properties: Object.fromEntries(names.map((name) => [name, { type: "string" }])), required: [...names, "ghost"], additionalProperties: false };
    const started = performance.now();
    expect(strictSchemaProblem(schema, anthropicStrictRules)?.message).toMatch(/Extra required key 'ghost'/);
    // Quadratic work would take minutes here; linear work takes well under a second even on a loaded machine.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});
