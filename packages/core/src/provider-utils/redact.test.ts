import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { redactSecrets, Secret } from "./redact.js";

describe("redaction", () => {
  it("a Secret prints as [redacted] every way and reveals only on request", () => {
    const secret = new Secret("tok-123");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
    expect(`${secret}`).toBe("[redacted]");
    expect(inspect(secret)).toBe("[redacted]");
    expect(secret.reveal()).toBe("tok-123");
    expect(secret.occursIn("bad token tok-123")).toBe(true);
  });

  it("replaces every occurrence, longest secret first, and ignores empty ones", () => {
    expect(redactSecrets("key sk-abc and sk-abcdef twice sk-abcdef", ["sk-abc", new Secret("sk-abcdef"), "", undefined])).toBe(
      "key [redacted] and [redacted] twice [redacted]",
    );
  });
});
