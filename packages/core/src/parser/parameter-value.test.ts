import { describe, expect, it } from "vitest";
import { convertParameter } from "./parameter-value.js";

describe("convertParameter", () => {
  it("reads JSON values, and keeps a value nested deeper than 128 levels as text instead of overflowing", () => {
    expect(convertParameter("[1, [2]]", { type: "array" })).toBe("[1,[2]]");
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(convertParameter(deep, undefined, true)).toBe(JSON.stringify(deep));
    expect(convertParameter(deep, { type: "array" })).toBe(JSON.stringify(deep));
  });
});
