import { describe, expect, it } from "vitest";
import { UpstreamError } from "../upstream.js";
import { AccountPool, type PoolAccount } from "./account-pool.js";
import type { Clock } from "./clock.js";
import { createMemoryState } from "./provider-state.js";

/** Time that moves only when the test says so. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 1_000_000;
  let timers: { at: number; callback: () => void }[] = [];
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const timer = { at: now + ms, callback };
      timers.push(timer);
      return timer;
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer !== handle);
    },
    advance(ms) {
      now += ms;
      const due = timers.filter((timer) => timer.at <= now);
      timers = timers.filter((timer) => timer.at > now);
      for (const timer of due) timer.callback();
    },
  };
}

function account(label: string): PoolAccount & { until?: number; status: string } {
  return {
    label,
    status: "ok",
    terminal: false,
    inFlight: 0,
    lastLeasedAt: 0,
    restoreCooldown(status, until) {
      this.status = status;
      this.until = until;
    },
    availableAt(now) {
      return this.until === undefined || this.until <= now;
    },
    readyAt(now) {
      return this.until !== undefined && this.until > now ? this.until : undefined;
    },
  };
}

describe("AccountPool", () => {
  it("leases the least recently used account under its stream limit, and queues the rest in order", async () => {
    const clock = manualClock();
    const [a, b] = [account("a"), account("b")];
    const pool = new AccountPool([a, b], { maxStreamsPerAccount: 1, queueTimeoutMs: 5_000, maxQueueLength: 1, clock, service: "Acme" });
    const first = await pool.acquire();
    clock.advance(1);
    const second = await pool.acquire();
    expect([first.account.label, second.account.label]).toEqual(["a", "b"]);
    const waiting = pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ status: 429, code: "accounts_busy" });
    second.release();
    expect((await waiting).account.label).toBe("b");
    expect(pool.health()).toMatchObject({ status: "ok", inFlight: 2, waiting: 0 });
  });

  it("answers 429 naming the service when every account cools down past the queue limit", async () => {
    const clock = manualClock();
    const a = account("a");
    a.until = clock.now() + 60_000;
    const pool = new AccountPool([a], { maxStreamsPerAccount: 1, queueTimeoutMs: 1_000, maxQueueLength: 5, clock, service: "Acme" });
    const refusal = await pool.acquire().catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(UpstreamError);
    expect(refusal).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 60 });
    expect((refusal as Error).message).toMatch(/^Every Acme account is cooling down/);
  });

  it("records cooldowns in its state, so a pool sharing the store (another instance, the next run) respects them", async () => {
    const clock = manualClock();
    const state = createMemoryState(() => clock.now());
    const options = { maxStreamsPerAccount: 1, queueTimeoutMs: 1_000, maxQueueLength: 5, clock, service: "Acme", state };
    const throttled = account("a");
    const first = new AccountPool([throttled], options);
    throttled.status = "rate_limited";
    throttled.until = clock.now() + 30_000;
    first.changed();

    const second = new AccountPool([account("a")], options);
    expect(await second.restore()).toBe(1);
    await expect(second.acquire()).rejects.toMatchObject({ status: 429, code: "rate_limited", retryAfter: 30 });
    clock.advance(30_000);
    const third = new AccountPool([account("a")], options);
    expect(await third.restore()).toBe(0);
    expect((await third.acquire()).account.label).toBe("a");
  });
});
