import { describe, expect, it } from "vitest";
import { ReasoningSplitter, type ReasoningPiece } from "./reasoning-splitter.js";

function split(chunks: string[]) {
  const splitter = new ReasoningSplitter();
  const pieces: ReasoningPiece[] = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.flush()];
  const join = (type: ReasoningPiece["type"]) => pieces.filter((p) => p.type === type).map((p) => p.text).join("");
  return { text: join("text"), reasoning: join("reasoning"), pieces };
}

describe("ReasoningSplitter", () => {
  const input = "<think>Let me <b>see</b>.</think>\n\nThe answer is <thinking> 42.";

  it("moves think blocks to reasoning on every two-way split", () => {
    for (let cut = 0; cut <= input.length; cut++) {
      expect(split([input.slice(0, cut), input.slice(cut)])).toMatchObject({
        reasoning: "Let me <b>see</b>.",
        text: "The answer is <thinking> 42.",
      });
    }
  });

  it("streams text at once and holds back only a possible partial tag", () => {
    const splitter = new ReasoningSplitter();
    expect(splitter.push("Hello <th")).toEqual([{ type: "text", text: "Hello " }]);
    expect(splitter.push("ere")).toEqual([{ type: "text", text: "<there" }]);
  });

  it("keeps an unclosed think block as reasoning and flushes a dangling partial tag", () => {
    expect(split(["<think>still thinking</thi"])).toMatchObject({ reasoning: "still thinking</thi", text: "" });
    expect(split(["text then <thi"])).toMatchObject({ text: "text then <thi" });
  });

  it("handles several think blocks", () => {
    expect(split(["<think>a</think>x<think>b</think> y"])).toMatchObject({ reasoning: "ab", text: "xy" });
  });
});
