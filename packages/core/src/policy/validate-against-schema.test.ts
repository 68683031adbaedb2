import { describe, expect, it } from "vitest";
import { compileSchema } from "./schema-compiler.js";
import { DEFAULT_VALIDATION_BUDGET, validateAgainstSchema } from "./validate-against-schema.js";

const check = (schema: unknown, instance: unknown) => validateAgainstSchema(compileSchema(schema), instance);

describe("validateAgainstSchema", () => {
  it("evaluates pattern on RE2, in time linear in the input", () => {
    const schema = { type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } };
    expect(check(schema, { s: "aaaa" })).toEqual({ valid: true });
    // A backtracking engine needs ~2^n steps here; n = 100000 would never finish.
    const result = check(schema, { s: `${"a".repeat(100_000)}!` });
    expect(result).toMatchObject({ valid: false });
    expect(result.valid === false && result.reason).toMatch(/\/s: String does not match pattern/);
  });

  it("keeps pattern semantics: unanchored search, keys, strings in arrays, special characters", () => {
    const schema = { type: "object", properties: { tags: { type: "array", items: { type: "string", pattern: "b.d" } } } };
    expect(check(schema, { tags: ["abcd", "xbzdx"] })).toEqual({ valid: true });
    expect(check(schema, { tags: ["abcd", "nope"] })).toMatchObject({ valid: false });
    const literal = { type: "object", properties: { p: { pattern: "^a\\.b\\(c\\)\\|/$" } } };
    expect(check(literal, { p: "a.b(c)|/" })).toEqual({ valid: true });
    expect(check(literal, { p: "a.b(c)|/x" })).toMatchObject({ valid: false });
    const names = { type: "object", propertyNames: { pattern: "^[a-z]+$" } };
    expect(check(names, { ok: 1 })).toEqual({ valid: true });
    expect(check(names, { Bad: 1 })).toMatchObject({ valid: false });
  });

  it("evaluates patternProperties on RE2, including two patterns matching the same keys", () => {
    const schema = {
      type: "object",
      patternProperties: { "^x_": { type: "integer" }, "_n$": { minimum: 10 } },
      additionalProperties: false,
    };
    expect(check(schema, { x_a: 1, x_n: 12 })).toEqual({ valid: true });
    expect(check(schema, { x_n: 3 })).toMatchObject({ valid: false });
    expect(check(schema, { x_a: "1" })).toMatchObject({ valid: false });
    expect(check(schema, { other: 1 })).toMatchObject({ valid: false });
  });

  it("checks formats on bounded input and names the format when it fails", () => {
    const schema = { type: "object", properties: { at: { type: "string", format: "date" }, re: { format: "regex" } } };
    expect(check(schema, { at: "2024-02-29", re: "^[a-z]+$" })).toEqual({ valid: true });
    const result = check(schema, { at: "2023-02-29" });
    expect(result.valid === false && result.reason).toMatch(/\/at: String does not match format "date"/);
    expect(check(schema, { re: "([" })).toMatchObject({ valid: false });
    // format: "regex" means ECMA-262: a backreference is a regex even though RE2 cannot run it.
    expect(check(schema, { re: "(a)\\1" })).toEqual({ valid: true });
    const url = { type: "object", properties: { u: { format: "url" } } };
    expect(check(url, { u: `http://${":".repeat(50_000)}` })).toMatchObject({ valid: false });
  });

  it("leaves enum and const data alone when rewriting patterns", () => {
    const schema = { type: "object", properties: { p: { pattern: "^a$" }, e: { enum: [{ pattern: "x" }] } } };
    expect(check(schema, { p: "a", e: { pattern: "x" } })).toEqual({ valid: true });
  });

  it("stops exponential $ref fan-out within the budget instead of running for ages", () => {
    const schema = {
      $defs: { n: { anyOf: [{ properties: { a: { $ref: "#/$defs/n" } } }, { properties: { a: { $ref: "#/$defs/n" } } }], type: "object" } },
      $ref: "#/$defs/n",
    };
    let instance: Record<string, unknown> = {};
    for (let i = 0; i < 60; i++) instance = { a: instance, b: 1 };
    const result = validateAgainstSchema(compileSchema(schema), { ...instance, x: "x".repeat(1) });
    expect(result).toMatchObject({ valid: false, budgetExceeded: true });
  });

  it("refuses to spend more than its matching budget", () => {
    const schema = { type: "object", properties: { s: { pattern: "a" } }, additionalProperties: { type: "string" } };
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `${i}${"b".repeat(100_000)}`]));
    expect(check(schema, many)).toMatchObject({ valid: false, budgetExceeded: true });
  });
  it("keeps client keys such as __proto__ as keys when rewriting", () => {
    const schema = JSON.parse('{"type":"object","patternProperties":{"^__":{"type":"integer"}},"properties":{"__proto__":{"minimum":5}}}');
    expect(check(schema, JSON.parse('{"__proto__": 7}'))).toEqual({ valid: true });
    expect(check(schema, JSON.parse('{"__proto__": 3}'))).toMatchObject({ valid: false });
    expect(check(schema, JSON.parse('{"__proto__": "x"}'))).toMatchObject({ valid: false });
  });

  it("reports a failed pattern with the pattern, not the rewritten schema", () => {
    const result = check({ properties: { s: { pattern: "^[0-9]+$" } } }, { s: "12a" });
    expect(result).toEqual({ valid: false, reason: 'they do not match the tool\'s schema (/s: String does not match pattern "^[0-9]+$".)' });
  });
  it("checks uniqueItems with the validator's equality, without comparing every pair", () => {
    const schema = { type: "object", properties: { a: { type: "array", uniqueItems: true } } };
    // Only the deterministic budgets: this is about the answer, not about how loaded the machine is.
    const roomy = { ...DEFAULT_VALIDATION_BUDGET, maxMilliseconds: 60_000 };
    expect(check(schema, { a: [1, 2, { x: 1, y: [2] }, { y: [2], x: 2 }] })).toEqual({ valid: true });
    const duplicate = check(schema, { a: [{ x: 1, y: [2] }, { y: [2], x: 1 }] });
    expect(duplicate).toEqual({ valid: false, reason: "they do not match the tool's schema (/a: Array items are not unique.)" });
    // The validator alone compares every pair: 1.5 s for 20 000 numbers here.
    const many = Array.from({ length: 20_000 }, (_, i) => i);
    expect(validateAgainstSchema(compileSchema(schema), { a: many }, roomy)).toEqual({ valid: true });
    expect(validateAgainstSchema(compileSchema(schema), { a: [...many, 7] }, roomy)).toMatchObject({ valid: false });
    expect(check({ type: "array", items: { type: "array", uniqueItems: true } }, [[1, 1], [1, 2]])).toMatchObject({ valid: false });
  });
  it("leaves a pattern RE2 cannot run unenforced: it matches everything", () => {
    const schema = { type: "object", properties: { p: { type: "string", pattern: "^(?=.*[0-9]).{8,}$" } } };
    expect(compileSchema(schema).unenforcedPatterns).toHaveLength(1);
    expect(check(schema, { p: "x" })).toEqual({ valid: true });
    const keys = { type: "object", patternProperties: { "^(?!x)": { type: "integer" } }, additionalProperties: false };
    expect(check(keys, { a: "not an integer", xb: 1 })).toEqual({ valid: true });
  });
});
