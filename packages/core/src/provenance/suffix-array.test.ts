import { describe, expect, it } from "vitest";
import { seededRandom } from "../parser/scan-harness.js";
import { sortSuffixes } from "./suffix-array.js";

function naive(values: number[]): number[] {
  const order = values.map((_, i) => i);
  return order.sort((a, b) => {
    for (let d = 0; ; d++) {
      const x = values[a + d] ?? -1;
      const y = values[b + d] ?? -1;
      if (x !== y) return x - y;
    }
  });
}

function sorted(values: number[], alphabet: number): number[] {
  const text = Int32Array.from([...values, 0]);
  const sa = new Int32Array(text.length);
  const steps = sortSuffixes(text, sa, alphabet);
  while (steps.next().done !== true);
  return [...sa];
}

describe("sortSuffixes", () => {
  it("orders every suffix as a direct comparison does, on random and repetitive texts", () => {
    const random = seededRandom(7);
    for (let run = 0; run < 300; run++) {
      const alphabet = 2 + (run % 5);
      const length = Math.floor(random() * 200);
      const values = Array.from({ length }, () => 1 + Math.floor(random() * (alphabet - 1)));
      expect(sorted(values, alphabet)).toEqual(naive([...values, 0]));
    }
    for (const values of [Array(5_000).fill(1), Array.from({ length: 5_000 }, (_, i) => 1 + (i % 2)), Array.from({ length: 3_000 }, (_, i) => 1 + (i % 7 === 3 ? 2 : 0))]) {
      expect(sorted(values, 4)).toEqual(naive([...values, 0]));
    }
  });

  it("pauses on large texts (the build spreads over turns of the event loop)", () => {
    const text = new Int32Array(300_001).fill(1);
    text[300_000] = 0;
    let pauses = 0;
    for (const _ of sortSuffixes(text, new Int32Array(text.length), 2)) pauses++;
    expect(pauses).toBeGreaterThan(4);
  });
});
