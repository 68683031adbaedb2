import { describe, expect, it } from "vitest";
import { randomBytes } from "./random-bytes.js";

describe("randomBytes", () => {
  it("gives the length asked for, and never the same bytes twice across block refills", () => {
    const seen = new Set<string>();
    // 3,000 draws of 16 bytes cross several 4 KB blocks; a byte handed out twice would repeat a whole draw sooner or
    // later, and 128 random bits never collide by chance.
    for (let i = 0; i < 3000; i++) {
      const bytes = randomBytes(16);
      expect(bytes).toHaveLength(16);
      const key = Array.from(bytes).join(",");
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it("serves requests larger than a block on their own", () => {
    const bytes = randomBytes(10_000);
    expect(bytes).toHaveLength(10_000);
    expect(new Set(bytes).size).toBeGreaterThan(200);
  });
});
