import { describe, expect, it } from "vitest";
import { AccountPool, type PoolAccount } from "./account-pool.js";
import { createMemoryState } from "./provider-state.js";
import { SharedAccountSlots } from "./shared-account-slots.js";

function account(label: string): PoolAccount {
  return { label, status: "ok", terminal: false, inFlight: 0, lastLeasedAt: 0, availableAt: () => true, readyAt: () => undefined };
}

/** One gateway instance: its own pool over the same two accounts, the shared slots over the common state. */
function instance(state: ReturnType<typeof createMemoryState>, waitMs = 5_000) {
  const pool = new AccountPool([account("a"), account("b")], { maxStreamsPerAccount: 1, queueTimeoutMs: 5_000, maxQueueLength: 100, service: "Test" });
  const slots = new SharedAccountSlots(state, { slotsPerAccount: 1, ttlMs: 60_000, waitMs, pollMs: 5, service: "Test" });
  return (signal?: AbortSignal) => slots.acquire((exclude, local) => pool.acquire({ exclude, ...(local ? { signal: local } : {}) }), new Set<PoolAccount>(), signal);
}

describe("SharedAccountSlots", () => {
  it("never gives one account to two instances at once; a waiting request gets the first slot freed", async () => {
    const state = createMemoryState();
    const [first, second, third] = [instance(state), instance(state), instance(state)];
    const one = await first();
    const two = await second();
    expect(new Set([one.account.label, two.account.label])).toEqual(new Set(["a", "b"]));

    const waiting = third();
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    two.release();
    expect((await waiting).account.label).toBe(two.account.label);
    one.release();
    two.release(); // idempotent: must not free the slot the waiting request now holds
    expect((await second()).account.label).toBe(one.account.label);
  });

  it("answers 429 accounts_busy when no slot frees within the wait, holding nothing afterwards", async () => {
    const state = createMemoryState();
    const held = [await instance(state)(), await instance(state)()];
    await expect(instance(state, 50)()).rejects.toMatchObject({ status: 429, code: "accounts_busy" });
    for (const lease of held) lease.release();
    const again = instance(state);
    expect([(await again()).account.label, (await again()).account.label].sort()).toEqual(["a", "b"]);
  });

  it("takes over a slot whose holder stopped renewing once its TTL passes", async () => {
    let now = 0;
    const state = createMemoryState(() => now);
    // A dead instance's claims: never renewed, never released.
    await state.claim("slot:a:0", "dead", 1_000);
    await state.claim("slot:b:0", "dead", 1_000);
    const waiting = instance(state)();
    await new Promise((resolve) => setTimeout(resolve, 20));
    now = 1_001;
    expect(["a", "b"]).toContain((await waiting).account.label);
  });

  it("ends a wait when the request is aborted", async () => {
    const state = createMemoryState();
    await state.claim("slot:a:0", "other", 60_000);
    await state.claim("slot:b:0", "other", 60_000);
    const controller = new AbortController();
    const waiting = instance(state)(controller.signal);
    controller.abort(new Error("client left"));
    await expect(waiting).rejects.toThrow("client left");
  });
});

describe("SharedAccountSlots and cooldowns another instance recorded", () => {
  it("puts the account into that cooldown instead of using it, and answers the pool's 429 when every account cools down", async () => {
    const state = createMemoryState();
    const accounts = [account("a"), account("b")].map((base) => {
      const cooled = Object.assign(base, {
        until: undefined as number | undefined,
        restoreCooldown(status: string, until: number) {
          cooled.until = until;
        },
        availableAt(now: number) {
          return cooled.until === undefined || cooled.until <= now;
        },
        readyAt(now: number) {
          return cooled.until !== undefined && cooled.until > now ? cooled.until : undefined;
        },
      });
      return cooled;
    });
    const pool = new AccountPool(accounts, { maxStreamsPerAccount: 1, queueTimeoutMs: 1_000, maxQueueLength: 10, service: "Test" });
    const slots = new SharedAccountSlots(state, { slotsPerAccount: 1, ttlMs: 60_000, waitMs: 1_000, pollMs: 5, service: "Test" });
    const acquire = () => slots.acquire((exclude, signal) => pool.acquire({ exclude, ...(signal ? { signal } : {}) }), new Set<(typeof accounts)[number]>());

    await state.set("cooldown:a", { status: "rate_limited", until: Date.now() + 120_000 });
    const lease = await acquire();
    expect(lease.account.label).toBe("b");
    expect(accounts[0]!.until).toBeGreaterThan(Date.now());
    lease.release();

    await state.set("cooldown:b", { status: "rate_limited", until: Date.now() + 120_000 });
    await expect(acquire()).rejects.toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("takes an account freed elsewhere rather than waiting out another account's cooldown", async () => {
    const state = createMemoryState();
    const cooling = Object.assign(account("a"), { until: Date.now() + 120_000 });
    Object.assign(cooling, {
      availableAt: (now: number) => cooling.until <= now,
      readyAt: (now: number) => (cooling.until > now ? cooling.until : undefined),
    });
    // The local pool would wait up to 5 minutes for "a" to leave its cooldown.
    const pool = new AccountPool([cooling, account("b")], { maxStreamsPerAccount: 1, queueTimeoutMs: 300_000, maxQueueLength: 10, service: "Test" });
    const slots = new SharedAccountSlots(state, { slotsPerAccount: 1, ttlMs: 60_000, waitMs: 5_000, pollMs: 5, service: "Test" });
    await state.claim("slot:b:0", "other-instance", 60_000);
    const waiting = slots.acquire((exclude, signal) => pool.acquire({ exclude, ...(signal ? { signal } : {}) }), new Set<PoolAccount>());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await state.unclaim("slot:b:0", "other-instance");
    expect((await waiting).account.label).toBe("b");
  });
});
