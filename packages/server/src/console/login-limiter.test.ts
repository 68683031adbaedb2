import { afterEach, describe, expect, it, vi } from "vitest";
import { routeHarness } from "../routes/__fixtures__/route-harness.js";
import { LoginLimiter } from "./login-limiter.js";

const ADMIN = "console-admin-key-0123456789";

function harness() {
  const { app } = routeHarness({ server: { apiKeys: ["sk-client-api-key-abcdef"] }, config: { console: { enabled: true, adminKey: ADMIN } } });
  /** A login form post from `address` (the socket's peer address, as @hono/node-server hands it over). */
  return (key: string, address = "203.0.113.7", headers: Record<string, string> = {}) =>
    app.request(
      "/console/login",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost", host: "localhost", ...headers },
        body: new URLSearchParams({ key }).toString(),
      },
      { incoming: { socket: { remoteAddress: address } } },
    );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("console login rate limit", () => {
  it("answers 429 with retry-after after 5 failures a minute from one address, even for the right key", async () => {
    const login = harness();
    for (let i = 0; i < 5; i++) expect((await login("wrong")).status).toBe(401);
    const refused = await login("wrong");
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(60);
    expect(await refused.text()).toContain("Too many failed logins");
    expect((await login(ADMIN)).status).toBe(429);
  });

  it("counts each client address on its own and ignores a forged X-Forwarded-For", async () => {
    const login = harness();
    for (let i = 0; i < 5; i++) await login("wrong", "203.0.113.7", { "x-forwarded-for": `198.51.100.${i}` });
    expect((await login("wrong", "203.0.113.7", { "x-forwarded-for": "198.51.100.99" })).status).toBe(429);
    expect((await login(ADMIN, "203.0.113.8")).status).toBe(303);
  });

  it("lets the address try again once the minute is over, and a good login clears its failures", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:00Z"));
    const login = harness();
    for (let i = 0; i < 5; i++) await login("wrong");
    expect((await login(ADMIN)).status).toBe(429);
    vi.setSystemTime(new Date("2026-01-01T00:01:01Z"));
    for (let i = 0; i < 4; i++) expect((await login("wrong")).status).toBe(401);
    expect((await login(ADMIN)).status).toBe(303);
    for (let i = 0; i < 5; i++) expect((await login("wrong")).status).toBe(401);
    expect((await login("wrong")).status).toBe(429);
  });
});

describe("LoginLimiter", () => {
  it("keeps its memory bounded, however many addresses fail", () => {
    const limiter = new LoginLimiter(1, 60_000);
    for (let i = 0; i < 20_000; i++) limiter.failed(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(limiter.retryAfter("10.0.78.31", 1000)).toBe(59);
    expect(limiter.retryAfter("10.0.0.0", 1000)).toBe(0);
  });
});
