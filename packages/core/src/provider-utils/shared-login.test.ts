import { describe, expect, it, vi } from "vitest";
import type { Clock } from "./clock.js";
import { LoginSession } from "./login-session.js";
import { createMemoryState, type ProviderState, scopedState } from "./provider-state.js";
import { Secret } from "./redact.js";
import { createStateSealer, type StateSealer } from "./state-sealer.js";

// Several LoginSessions on one shared state stand for several gateway instances with the same account. Time is a
// manual clock: polls run when a test advances it, never by waiting.

class Refused extends Error {}
const isAuthFailure = (error: unknown) => error instanceof Refused;

function manualClock(start = 1_000_000): Clock & { advance(ms: number): Promise<void> } {
  let at = start;
  const timers = new Map<number, { due: number; callback: () => void }>();
  let next = 0;
  return {
    now: () => at,
    setTimeout(callback, ms) {
      timers.set(++next, { due: at + ms, callback });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    async advance(ms) {
      const until = at + ms;
      for (;;) {
        await settle();
        const [id, timer] = [...timers].filter(([, t]) => t.due <= until).sort((a, b) => a[1].due - b[1].due)[0] ?? [];
        if (id === undefined || !timer) break;
        timers.delete(id);
        at = timer.due;
        timer.callback();
      }
      at = until;
      await settle();
    },
  };
}

/** Lets every pending promise chain (store calls, crypto) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Sealing that is reversible and fast, so these tests are about coordination, not cryptography. */
const plainSealer: StateSealer = {
  name: async (identity) => `h${[...identity].reduce((sum, c) => (sum * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16)}`,
  seal: async (plain, context) => `sealed:${context}:${plain}`,
  open: async (sealed, context) => (sealed.startsWith(`sealed:${context}:`) ? sealed.slice(`sealed:${context}:`.length) : undefined),
};

function sharedState(clock: Clock, sealer: StateSealer = plainSealer): ProviderState & { writes: [string, unknown][] } {
  const memory = createMemoryState(() => clock.now());
  const writes: [string, unknown][] = [];
  return {
    ...memory,
    sealer,
    writes,
    set: (key, value, options) => {
      writes.push([key, value]);
      return memory.set(key, value, options);
    },
  };
}

/** A sign-in that counts calls and issues t1, t2, …; `hold` keeps the next one waiting until released. */
function upstreamLogin(clock: Clock, expiresIn?: number) {
  let issued = 0;
  let gate: Promise<void> | undefined;
  let open: () => void = () => {};
  const login = vi.fn(async () => {
    issued += 1;
    const token = new Secret(`t${issued}`);
    if (gate) await gate;
    return expiresIn === undefined ? { token } : { token, expiresAt: clock.now() + expiresIn };
  });
  return {
    login,
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

/** `promise` once the manual clock has moved on enough for every poll it needs. */
async function after<T>(clock: { advance(ms: number): Promise<void> }, promise: Promise<T>): Promise<T> {
  await clock.advance(2_000);
  return promise;
}

const instances = (n: number, state: ProviderState, clock: Clock, identity = "email:alice@example.com") =>
  Array.from({ length: n }, () => new LoginSession({ state, identity, clock, shared: { waitMs: 5_000, pollMs: 200, lockTtlMs: 30_000 } }));

describe("LoginSession with a shared state", () => {
  it("signs in once for concurrent first requests on several instances", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const { login, hold } = upstreamLogin(clock);
    const release = hold();
    const sessions = instances(3, state, clock);
    expect(sessions.every((session) => session.shared)).toBe(true);
    const tokens = Promise.all(sessions.map((session) => session.token({ login })));
    await clock.advance(1_000);
    expect(login).toHaveBeenCalledTimes(1);
    release();
    await clock.advance(1_000);
    expect((await tokens).map((token) => token.reveal())).toEqual(["t1", "t1", "t1"]);
    expect(login).toHaveBeenCalledTimes(1);
  });

  it("after a refusal seen by every instance, signs in exactly once more", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const { login } = upstreamLogin(clock);
    const sessions = instances(3, state, clock);
    await after(clock, Promise.all(sessions.map((session) => session.token({ login }))));
    expect(login).toHaveBeenCalledTimes(1);

    // The upstream revokes t1: every instance's next call is refused once.
    const revoked = "t1";
    const call = async (token: Secret) => {
      if (token.reveal() === revoked) throw new Refused("401");
      return token.reveal();
    };
    const answers = Promise.all(sessions.map((session) => session.withToken(call, { login, isAuthFailure })));
    await clock.advance(2_000);
    expect(await answers).toEqual(["t2", "t2", "t2"]);
    expect(login).toHaveBeenCalledTimes(2);
  });

  it("an instance refused later adopts the token another instance already renewed, without signing in", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const { login } = upstreamLogin(clock);
    const [a, b] = instances(2, state, clock) as [LoginSession, LoginSession];
    await a.token({ login });
    await b.token({ login });
    const refuseT1 = async (token: Secret) => {
      if (token.reveal() === "t1") throw new Refused("401");
      return token.reveal();
    };
    expect(await a.withToken(refuseT1, { login, isAuthFailure })).toBe("t2");
    expect(await b.withToken(refuseT1, { login, isAuthFailure })).toBe("t2");
    expect(login).toHaveBeenCalledTimes(2);
  });

  it("signs in itself when the instance holding the sign-in takes longer than waitMs", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const slow = upstreamLogin(clock);
    slow.hold(); // never released: that instance hangs
    const [stuck, waiting] = instances(2, state, clock) as [LoginSession, LoginSession];
    void stuck.token({ login: slow.login });
    await settle();
    const fast = upstreamLogin(clock);
    const token = waiting.token({ login: fast.login });
    await clock.advance(4_800);
    expect(fast.login).not.toHaveBeenCalled();
    await clock.advance(400);
    expect((await token).reveal()).toBe("t1");
    expect(fast.login).toHaveBeenCalledTimes(1);
  });

  it("stores the token with its expiry, and one instance renews it ahead of that for all", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const { login } = upstreamLogin(clock, 15 * 60_000);
    const sessions = instances(2, state, clock);
    await after(clock, Promise.all(sessions.map((session) => session.token({ login }))));
    expect(login).toHaveBeenCalledTimes(1);
    await clock.advance(14 * 60_000 + 1);
    const renewed = Promise.all(sessions.map((session) => session.token({ login })));
    await clock.advance(1_000);
    expect((await renewed).map((token) => token.reveal())).toEqual(["t2", "t2"]);
    expect(login).toHaveBeenCalledTimes(2);
  });

  it("keeps the token sealed, under a key without the account's identity, expiring with the token", async () => {
    const clock = manualClock();
    const sealer = await createStateSealer("a-deployment-secret-of-enough-length-0123");
    const state = sharedState(clock, sealer);
    const scoped = scopedState(state, "ds");
    expect(scoped.sealer).toBe(sealer);
    const session = new LoginSession({ state: scoped, identity: "email:alice@example.com", clock });
    const expiresAt = clock.now() + 60 * 60_000;
    await session.token({ login: async () => ({ token: new Secret("the-upstream-token"), expiresAt }) });
    const [[key, value]] = state.writes as [[string, { sealed: string; expiresAt: number }]];
    expect(key).toMatch(/^ds:login:[0-9a-f]{64}$/);
    expect(key).not.toContain("alice");
    expect(JSON.stringify(value)).not.toContain("the-upstream-token");
    expect(value.expiresAt).toBe(expiresAt);
    await clock.advance(60 * 60_000);
    expect(await scoped.get(key.slice(3))).toBeUndefined();
  });

  it("signs in again when the stored token was sealed with another secret", async () => {
    const clock = manualClock();
    const state = sharedState(clock, await createStateSealer("first-secret-of-enough-length-012345"));
    const first = upstreamLogin(clock);
    await new LoginSession({ state, identity: "email:alice@example.com", clock }).token({ login: first.login });
    const rotated = { ...state, sealer: await createStateSealer("second-secret-of-enough-length-01234") };
    const second = upstreamLogin(clock);
    const token = await new LoginSession({ state: rotated, identity: "email:alice@example.com", clock }).token({ login: second.login });
    expect(token.reveal()).toBe("t1");
    expect(second.login).toHaveBeenCalledTimes(1);
  });

  it("fails the sign-in when the store cannot be read, but keeps a token it could not store", async () => {
    const clock = manualClock();
    const state = sharedState(clock);
    const down = new Error("store down");
    const unreadable = { ...state, get: async () => Promise.reject(down) };
    const { login } = upstreamLogin(clock);
    await expect(new LoginSession({ state: unreadable, identity: "x", clock }).token({ login })).rejects.toBe(down);
    expect(login).not.toHaveBeenCalled();
    const unwritable = { ...state, set: async () => Promise.reject(down) };
    expect((await new LoginSession({ state: unwritable, identity: "x", clock }).token({ login })).reveal()).toBe("t1");
  });

  it("without a sealer (memory state, or no secret) each session signs in on its own, as before", async () => {
    const clock = manualClock();
    const state = createMemoryState(() => clock.now());
    const { login } = upstreamLogin(clock);
    const sessions = Array.from({ length: 2 }, () => new LoginSession({ state, identity: "email:alice@example.com", clock }));
    expect(sessions.some((session) => session.shared)).toBe(false);
    await Promise.all(sessions.map((session) => session.token({ login })));
    expect(login).toHaveBeenCalledTimes(2);
  });
});
