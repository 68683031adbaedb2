import { describe, expect, it } from "vitest";
import { generateNonce } from "./generate-nonce.js";

describe("generateNonce", () => {
  it("returns lowercase alphanumerics of the requested length", () => {
    expect(generateNonce()).toMatch(/^[a-z0-9]{10}$/);
    expect(generateNonce(16)).toMatch(/^[a-z0-9]{16}$/);
  });

  it("is fresh each time and uses the whole alphabet", () => {
    const nonces = Array.from({ length: 2000 }, () => generateNonce());
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(new Set(nonces.join("")).size).toBe(36);
  });

  it("refuses nonces shorter than 8 characters", () => {
    expect(() => generateNonce(6)).toThrow(RangeError);
  });
});
