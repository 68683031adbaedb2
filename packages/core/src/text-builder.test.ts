import { describe, expect, it } from "vitest";
import { TextBuilder } from "./text-builder.js";

describe("TextBuilder", () => {
  it("starts empty and gives exactly the concatenation of its pieces, across flushes and repeated reads", () => {
    const builder = new TextBuilder();
    expect(builder.toString()).toBe("");
    let expected = "";
    for (let i = 0; i < 20_000; i++) {
      const piece = i % 7 === 0 ? "" : `${i}é🌍"\\`.slice(0, 1 + (i % 6));
      builder.append(piece);
      expected += piece;
      if (i % 4_999 === 0) expect(builder.toString()).toBe(expected);
    }
    expect(builder.length).toBe(expected.length);
    expect(builder.toString()).toBe(expected);
    builder.append("tail");
    expect(builder.toString()).toBe(`${expected}tail`);
  });
});
