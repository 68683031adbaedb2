import { describe, expect, it } from "vitest";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH, valueExceedsDepth } from "./json-depth.js";

describe("jsonTextExceedsDepth", () => {
  it("counts brackets outside strings only", () => {
    expect(jsonTextExceedsDepth("[[[]]]", 3)).toBe(false);
    expect(jsonTextExceedsDepth("[[[[]]]]", 3)).toBe(true);
    expect(jsonTextExceedsDepth(`{"a":"[[[[[[","b":[1]}`, 2)).toBe(false);
    expect(jsonTextExceedsDepth(`{"a":"\\"[[[[","b":{"c":{}}}`, 2)).toBe(true);
    expect(jsonTextExceedsDepth(`["\\\\",[[]]]`, 2)).toBe(true);
    expect(jsonTextExceedsDepth(`["\\\\",[[]]]`, 3)).toBe(false);
  });

  it("stops at the limit on 100 000 levels without recursing", () => {
    expect(jsonTextExceedsDepth("[".repeat(100_000) + "]".repeat(100_000))).toBe(true);
    expect(jsonTextExceedsDepth("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH))).toBe(false);
  });
});

describe("valueExceedsDepth", () => {
  it("measures parsed values with an explicit stack", () => {
    expect(valueExceedsDepth(JSON.parse("[".repeat(100_000) + "]".repeat(100_000)))).toBe(true);
    expect(valueExceedsDepth({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(valueExceedsDepth({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(valueExceedsDepth("text", 0)).toBe(false);
  });
});
