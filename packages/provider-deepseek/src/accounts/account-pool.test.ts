import { UpstreamError } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { Account, type AccountConfig } from "./account.js";
import { type AccountLease, AccountPool, createMemoryState, NO_UNTRIED_ACCOUNT } from "@toolshim/core/provider-utils";
import { FakeClock } from "./__fixtures__/fake-clock.js";

function makePool(configs: AccountConfig[], options: Partial<{ max: number; timeout: number; queue: number }> = {}) {
  const clock = new FakeClock();
  const accounts = configs.map((config, index) => new Account(config, index));
  const pool = new AccountPool(accounts, {
    maxStreamsPerAccount: options.max ?? 2,
    queueTimeoutMs: options.timeout ?? 5_000,
    maxQueueLength: options.queue ?? 10,
    clock,
    service: "DeepSeek",
  });
  return { clock, accounts, pool };
}

const tokens = (n: number): AccountConfig[] => Array.from({ length: n }, (_, i) => ({ token: `tok-${i}` }));

async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; done: boolean }> {
  const state: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(state, { value, done: true }),
    (error: unknown) => Object.assign(state, { error, done: true }),
  );
  await Promise.resolve();
  await Promise.resolve();
  return state;
}

describe("AccountPool", () => {
  it("rotates to the least recently used account with a free slot", async () => {
    const { pool, clock } = makePool(tokens(3));
    const labels: string[] = [];
    const leases: AccountLease<Account>[] = [];
    for (let i = 0; i < 6; i++) {
      clock.time += 1;
      const lease = await pool.acquire();
      leases.push(lease);
      labels.push(lease.account.label);
    }
    expect(labels).toEqual(["token-1", "token-2", "token-3", "token-1", "token-2", "token-3"]);
    expect(pool.health().inFlight).toBe(6);
    leases[1]?.release();
    leases[1]?.release(); // idempotent
    clock.time += 1;
    expect((await pool.acquire()).account.label).toBe("token-2");
  });

  it("a request waits for a slot and gets the first one released, in arrival order", async () => {
    const { pool } = makePool(tokens(1), { max: 1 });
    const first = await pool.acquire();
    const second = settle(pool.acquire());
    const third = settle(pool.acquire());
    expect((await second).done).toBe(false);
    expect(pool.health().waiting).toBe(2);
    first.release();
    const s2 = await second;
    expect(s2.done).toBe(true);
    expect((await third).done).toBe(false);
    s2.value?.release();
    expect((await third).done).toBe(true);
    expect(pool.health().waiting).toBe(0);
  });

  it("close rejects waiting and later requests with its reason, stops its timers, and leaves given leases valid", async () => {
    const { pool, clock } = makePool(tokens(1), { max: 1 });
    const held = await pool.acquire();
    const waiting = settle(pool.acquire());
    const reason = new UpstreamError("closed", { status: 503, retryable: true, code: "provider_closed" });
    pool.close(reason);
    const result = await waiting;
    expect(result.error).toBe(reason);
    expect(pool.health().waiting).toBe(0);
    expect(clock.pending).toBe(0);
    held.release();
    await expect(pool.acquire()).rejects.toBe(reason);
    expect(pool.health().inFlight).toBe(0);
  });

  it("waiting is bounded in time: 429 accounts_busy", async () => {
    const { pool, clock } = makePool(tokens(1), { max: 1, timeout: 3_000 });
    await pool.acquire();
    const waiting = settle(pool.acquire());
    await clock.advance(2_999);
    expect((await waiting).done).toBe(false);
    await clock.advance(1);
    const result = await waiting;
    expect(result.error).toBeInstanceOf(UpstreamError);
    expect(result.error).toMatchObject({ status: 429, code: "accounts_busy", retryAfter: 1 });
    expect(pool.health().waiting).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it("waiting is bounded in length", async () => {
    const { pool } = makePool(tokens(1), { max: 1, queue: 1 });
    await pool.acquire();
    void pool.acquire().catch(() => {});
    await expect(pool.acquire()).rejects.toMatchObject({ status: 429, code: "accounts_busy" });
  });

  it("an aborted wait leaves the queue and its timer", async () => {
    const { pool, clock } = makePool(tokens(1), { max: 1 });
    const held = await pool.acquire();
    const controller = new AbortController();
    const waiting = settle(pool.acquire({ signal: controller.signal }));
    controller.abort(new Error("client went away"));
    expect(((await waiting).error as Error).message).toBe("client went away");
    expect(pool.health().waiting).toBe(0);
    expect(clock.pending).toBe(0);
    held.release();
    expect(pool.health().inFlight).toBe(0);
  });

  it("a cooling account is skipped, then offered again once its cooldown ends", async () => {
    const { pool, clock, accounts } = makePool(tokens(2), { max: 1 });
    accounts[0]?.coolDown("rate_limited", clock.time + 2_000, "messages too frequent");
    pool.changed();
    const lease = await pool.acquire();
    expect(lease.account.label).toBe("token-2");
    const waiting = settle(pool.acquire());
    expect(pool.health().accounts[0]).toMatchObject({ status: "rate_limited", detail: "messages too frequent" });
    await clock.advance(2_000);
    const result = await waiting;
    expect(result.value?.account.label).toBe("token-1");
    expect(pool.health().accounts[0]).toMatchObject({ status: "ok" });
    expect(pool.health().accounts[0]?.until).toBeUndefined();
  });

  it("a resting account keeps status ok but is offered only after its pause", async () => {
    const { pool, clock, accounts } = makePool(tokens(1));
    accounts[0]?.rest(clock.time + 800);
    pool.changed();
    const waiting = settle(pool.acquire());
    expect((await waiting).done).toBe(false);
    expect(pool.health().accounts[0]?.status).toBe("ok");
    await clock.advance(800);
    expect((await waiting).value?.account.label).toBe("token-1");
  });

  it("a cooldown longer than the queue timeout is a 429 with retryAfter at once", async () => {
    const { pool, clock, accounts } = makePool(tokens(1), { timeout: 5_000 });
    accounts[0]?.coolDown("muted", clock.time + 90_500);
    await expect(pool.acquire()).rejects.toMatchObject({ status: 429, code: "rate_limited", retryAfter: 91 });
    expect(pool.health().status).toBe("down");
  });

  it("excluded accounts are not offered; with none left the caller learns so at once", async () => {
    const { pool, accounts } = makePool(tokens(2));
    const tried = new Set([accounts[0] as Account]);
    expect((await pool.acquire({ exclude: tried })).account.label).toBe("token-2");
    tried.add(accounts[1] as Account);
    await expect(pool.acquire({ exclude: tried })).rejects.toMatchObject({ code: NO_UNTRIED_ACCOUNT });
  });

  it("terminal states are never offered, and when nothing is usable the error lists every account", async () => {
    const { pool, accounts } = makePool([{ email: "alice@example.com", password: "pw" }, { mobile: "13800001234", password: "pw" }, { token: "t" }]);
    accounts[0]?.disable("wrong_password", "PASSWORD_OR_USER_NAME_IS_WRONG");
    accounts[1]?.disable("banned", "USER_IS_BANNED");
    expect(pool.health().status).toBe("degraded");
    const lease = await pool.acquire();
    expect(lease.account.label).toBe("token-3");
    accounts[2]?.disable("invalid_token");
    const error = await pool.acquire().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, code: "no_usable_account" });
    expect((error as Error).message).toContain("a***@example.com: wrong password");
    expect((error as Error).message).toContain("***1234: banned");
    expect((error as Error).message).toContain("token-3: invalid token");
    expect(pool.health().status).toBe("down");
  });

  it("a waiter is refused as soon as the last usable account turns terminal", async () => {
    const { pool, accounts } = makePool(tokens(1), { max: 1 });
    await pool.acquire();
    const waiting = settle(pool.acquire());
    accounts[0]?.disable("banned");
    pool.changed();
    expect((await waiting).error).toMatchObject({ code: "no_usable_account" });
  });

  it("health never shows credentials", () => {
    const { pool, accounts } = makePool([{ email: "bob@example.com", password: "hunter2-secret", token: "tok-SECRET-123" }]);
    const text = JSON.stringify([pool.health(), accounts, String(accounts[0]?.token), String(accounts[0]?.password)]);
    expect(text).not.toContain("hunter2-secret");
    expect(text).not.toContain("tok-SECRET-123");
    expect(text).toContain("b***@example.com");
  });
});

describe("cooldowns in the shared state", () => {
  it("a throttled account stays out of a second pool over the same store until its cooldown ends", async () => {
    const clock = new FakeClock();
    const state = createMemoryState(() => clock.now());
    const options = { maxStreamsPerAccount: 2, queueTimeoutMs: 1_000, maxQueueLength: 10, clock, service: "DeepSeek", state };
    const first = new AccountPool([new Account({ token: "tok-0" }, 0), new Account({ token: "tok-1" }, 1)], options);
    first.accounts[0]?.coolDown("rate_limited", clock.now() + 60_000, "throttled");
    first.changed();

    const accounts = [new Account({ token: "tok-0" }, 0), new Account({ token: "tok-1" }, 1)];
    const second = new AccountPool(accounts, options);
    expect(await second.restore()).toBe(1);
    expect(accounts.map((account) => account.status)).toEqual(["rate_limited", "ok"]);
    expect((await second.acquire()).account).toBe(accounts[1]);
  });

  it("restores only cooldowns, never a terminal state over a fresh configuration", () => {
    const account = new Account({ token: "tok-0" }, 0);
    account.restoreCooldown("banned", Date.now() + 60_000);
    expect(account.status).toBe("ok");
  });
});
