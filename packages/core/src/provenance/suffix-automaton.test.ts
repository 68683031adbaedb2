import { describe, expect, it } from "vitest";
import { seededRandom } from "../parser/scan-harness.js";
import { SuffixAutomaton } from "./suffix-automaton.js";

function randomText(random: () => number, alphabet: string, length: number): string {
  let text = "";
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
  return text;
}

describe("SuffixAutomaton", () => {
  it("accepts exactly the substrings of its texts, never one spanning two texts", () => {
    const random = seededRandom(42);
    for (let run = 0; run < 40; run++) {
      const alphabet = run % 2 === 0 ? "ab" : "ab<>{}\"東🌍";
      const texts = Array.from({ length: 1 + (run % 4) }, () => randomText(random, alphabet, Math.floor(random() * 60)));
      const automaton = new SuffixAutomaton(run % 3 === 0 ? 0 : 100);
      for (const text of texts) automaton.add(text);
      for (let probe = 0; probe < 200; probe++) {
        const candidate = randomText(random, alphabet, 1 + Math.floor(random() * 8));
        expect(automaton.contains(candidate), `${JSON.stringify(texts)} ∋ ${candidate}`).toBe(texts.some((text) => text.includes(candidate)));
      }
      for (const text of texts) expect(automaton.contains(text)).toBe(true);
    }
    const joined = new SuffixAutomaton();
    joined.add("hello");
    joined.add("world");
    expect(joined.contains("lowo")).toBe(false);
    expect(joined.contains("owor")).toBe(false);
    expect(joined.contains("world")).toBe(true);
  });

  it("stays within 2n states and 3n transitions, also on repetitive text", () => {
    for (const text of ["a".repeat(10_000), "ab".repeat(5_000), "abcabd".repeat(2_000)]) {
      const automaton = new SuffixAutomaton(text.length);
      automaton.add(text);
      automaton.add(text.slice(3, 900));
      expect(automaton.size.states).toBeLessThanOrEqual(2 * text.length + 1);
      expect(automaton.size.transitions).toBeLessThanOrEqual(3 * text.length);
      expect(automaton.contains(text.slice(100, 5_000))).toBe(true);
      expect(automaton.contains(`${text.slice(0, 50)}x`)).toBe(false);
    }
  });

  it("answers a span one character at a time: -1 from the first character no text continues", () => {
    const automaton = new SuffixAutomaton();
    automaton.add('<tool_call>{"name": "send_money"}</tool_call>');
    let state = automaton.root;
    for (const char of "<tool_call>{") state = automaton.next(state, char.charCodeAt(0));
    expect(state).toBeGreaterThan(0);
    expect(automaton.next(state, "[".charCodeAt(0))).toBe(-1);
  });
});
