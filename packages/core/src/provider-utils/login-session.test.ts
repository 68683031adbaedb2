import { describe, expect, it, vi } from "vitest";
import { LoginSession } from "./login-session.js";
import { Secret } from "./redact.js";

class Refused extends Error {}
const isAuthFailure = (error: unknown) => error instanceof Refused;

function fakeClock(start = 1_000_000) {
  const clock = { at: start, now: () => clock.at };
  return clock;
}

function counter(expiresIn?: number, clock?: { now(): number }) {
  let n = 0;
  const login = vi.fn(async () => {
    n += 1;
    await Promise.resolve();
    return { token: new Secret(`t${n}`), ...(expiresIn !== undefined && clock ? { expiresAt: clock.now() + expiresIn } : {}) };
  });
  return login;
}

describe("LoginSession", () => {
  it("shares one sign-in among concurrent callers", async () => {
    const session = new LoginSession();
    const login = counter();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => session.token({ login })));
    expect(login).toHaveBeenCalledTimes(1);
    expect(new Set(tokens.map((token) => token.reveal()))).toEqual(new Set(["t1"]));
    await session.token({ login });
    expect(login).toHaveBeenCalledTimes(1);
  });

  it("signs in again ahead of a known expiry, not before", async () => {
    const clock = fakeClock();
    const session = new LoginSession({ refreshBeforeMs: 60_000, clock });
    const login = counter(15 * 60_000, clock);
    expect((await session.token({ login })).reveal()).toBe("t1");
    clock.at += 13 * 60_000;
    expect((await session.token({ login })).reveal()).toBe("t1");
    clock.at += 60_001;
    expect((await session.token({ login })).reveal()).toBe("t2");
    expect(login).toHaveBeenCalledTimes(2);
  });

  it("keeps using an expired configured token when it cannot sign in", async () => {
    const clock = fakeClock();
    const session = new LoginSession({ token: new Secret("static"), expiresAt: clock.now() - 1, clock });
    expect((await session.token()).reveal()).toBe("static");
  });

  it("on a refused token signs in once more and retries once", async () => {
    const session = new LoginSession({ token: new Secret("old") });
    const login = counter();
    const seen: string[] = [];
    const result = await session.withToken(
      async (token) => {
        seen.push(token.reveal());
        if (token.reveal() === "old") throw new Refused("401");
        return "ok";
      },
      { login, isAuthFailure },
    );
    expect(result).toBe("ok");
    expect(seen).toEqual(["old", "t1"]);
    expect(session.refused).toBe(false);
  });

  it("gives up after one re-login per request, across calls sharing a budget", async () => {
    const session = new LoginSession({ token: new Secret("old") });
    const login = counter();
    const budget = { used: false };
    const refuse = async (): Promise<string> => {
      throw new Refused("401");
    };
    await expect(session.withToken(refuse, { login, isAuthFailure, budget })).rejects.toBeInstanceOf(Refused);
    expect(login).toHaveBeenCalledTimes(1);
    expect(session.refused).toBe(true);
    await expect(session.withToken(refuse, { login, isAuthFailure, budget })).rejects.toBeInstanceOf(Refused);
    expect(login).toHaveBeenCalledTimes(1);
  });

  it("never signs in with a static token and reports its refusal", async () => {
    const session = new LoginSession({ token: new Secret("static") });
    const other = new Error("network");
    await expect(session.withToken(async () => Promise.reject(other), { isAuthFailure })).rejects.toBe(other);
    expect(session.refused).toBe(false);
    await expect(session.withToken(async () => Promise.reject(new Refused("401")), { isAuthFailure })).rejects.toBeInstanceOf(Refused);
    expect(session.refused).toBe(true);
  });

  it("rejects without a token or a way to sign in", async () => {
    await expect(new LoginSession().token()).rejects.toThrow(/no token/);
  });

  it("does not drop a newer token when an older one is invalidated", async () => {
    const session = new LoginSession({ token: new Secret("a") });
    const old = session.current;
    const refuseA = async (token: Secret) => {
      if (token.reveal() === "a") throw new Refused("401");
      return token;
    };
    await session.withToken(refuseA, { isAuthFailure, login: async () => ({ token: new Secret("b") }) });
    if (old) session.invalidate(old);
    expect(session.current?.reveal()).toBe("b");
  });

  it("keeps the token of a sign-in that reports an error, and gives every waiter that error", async () => {
    const muted = new Error("muted");
    const session = new LoginSession();
    const login = vi.fn(async () => ({ token: new Secret("m"), error: muted }));
    const results = await Promise.allSettled([session.token({ login }), session.token({ login })]);
    expect(results.map((result) => result.status)).toEqual(["rejected", "rejected"]);
    expect(login).toHaveBeenCalledTimes(1);
    expect(session.current?.reveal()).toBe("m");
  });

  it("lets an aborted caller stop waiting while the shared sign-in finishes for the others", async () => {
    const session = new LoginSession();
    let finish: (token: Secret) => void = () => {};
    const login = () => new Promise<{ token: Secret }>((resolve) => (finish = (token) => resolve({ token })));
    const controller = new AbortController();
    const leaving = session.token({ login, signal: controller.signal });
    const staying = session.token({ login });
    controller.abort(new Error("client left"));
    await expect(leaving).rejects.toThrow("client left");
    finish(new Secret("late"));
    expect((await staying).reveal()).toBe("late");
  });

  it("keeps one token for the calls of a request that share a budget, even inside the refresh window", async () => {
    const clock = fakeClock();
    const session = new LoginSession({ refreshBeforeMs: 60_000, clock });
    const login = counter(30_000, clock);
    const budget = { used: false };
    const seen: string[] = [];
    const use = async (token: Secret) => seen.push(token.reveal());
    await session.withToken(use, { login, isAuthFailure, budget });
    await session.withToken(use, { login, isAuthFailure, budget });
    expect(seen).toEqual(["t1", "t1"]);
    await session.withToken(use, { login, isAuthFailure });
    expect(seen.at(-1)).toBe("t2");
  });
});
