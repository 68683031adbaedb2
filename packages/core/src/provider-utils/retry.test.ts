import { describe, expect, it } from "vitest";
import { backoffDelayMs, retryAfterSeconds, withRetry } from "./retry.js";

describe("retryAfterSeconds", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(retryAfterSeconds(new Headers({ "retry-after-ms": "1500" }))).toBe(2);
    expect(retryAfterSeconds(new Headers({ "retry-after": "7" }))).toBe(7);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterSeconds(new Headers({ "retry-after": "Thu, 01 Jan 2026 00:00:30 GMT" }), () => now)).toBe(30);
    expect(retryAfterSeconds(new Headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterSeconds(new Headers())).toBeUndefined();
  });
});

describe("backoffDelayMs", () => {
  it("honours retry-after up to the cap, else doubles with full jitter", () => {
    expect(backoffDelayMs(0, 3)).toBe(3000);
    expect(backoffDelayMs(0, 300, { maxMs: 10_000 })).toBe(10_000);
    const top = () => 0.999;
    expect(backoffDelayMs(0, undefined, { baseMs: 100, random: top })).toBe(99);
    expect(backoffDelayMs(3, undefined, { baseMs: 100, random: top })).toBe(799);
    expect(backoffDelayMs(20, undefined, { baseMs: 100, maxMs: 1000, random: top })).toBe(999);
  });
});

describe("withRetry", () => {
  const failure = (retryable: boolean, retryAfter?: number) => Object.assign(new Error("x"), { retryable, retryAfter });

  it("retries retryable failures with the pauses backoff gives, then succeeds", async () => {
    const pauses: number[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw failure(true, 2);
        if (calls === 2) throw failure(true);
        return "done";
      },
      { attempts: 3, random: () => 0.5, baseMs: 100, sleep: async (ms) => void pauses.push(ms) },
    );
    expect(result).toBe("done");
    expect(pauses).toEqual([2000, 100]);
  });

  it("stops at once on a failure that is not retryable, and after the last attempt", async () => {
    let calls = 0;
    await expect(withRetry(async () => { calls++; throw failure(false); }, { sleep: async () => {} })).rejects.toThrow("x");
    expect(calls).toBe(1);
    calls = 0;
    await expect(withRetry(async () => { calls++; throw failure(true); }, { attempts: 2, sleep: async () => {} })).rejects.toThrow("x");
    expect(calls).toBe(2);
  });
});
