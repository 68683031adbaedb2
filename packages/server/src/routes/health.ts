import type { Context, Hono } from "hono";
import { authenticate } from "../http/authenticate.js";
import type { ServerEnv } from "../http/server-env.js";
import type { ProviderHealth, ServerUpstream } from "../providers/provider-kind.js";
import type { ServerContext } from "../server-context.js";

/** A probe that has not answered by then counts as down (it keeps no request waiting: see WAIT_BUDGET_MS). */
const PROBE_TIMEOUT_MS = 5_000;
/** How long a /health request waits for the probes it started before answering with what is cached. */
const WAIT_BUDGET_MS = 250;

type Reported = ProviderHealth | { status: "unknown"; [detail: string]: unknown };

/**
 * `GET /health`: "ok" when every provider that can report its health says so, "degraded" otherwise; 503
 * "shutting_down" once the server is stopping, so a load balancer drains it. Otherwise always 200, so one bad provider
 * does not take the whole gateway out of rotation.
 *
 * It answers within WAIT_BUDGET_MS whatever the upstreams do: each request starts a probe per provider (unless one is
 * running) and waits that long at most; a slower probe finishes in the background and the next request sees it. The
 * detailed view gives each result's age.
 *
 * Without a key it says only ok/degraded. Provider details (states, accounts, probe errors) need one of
 * `server.apiKeys`; a server without keys is open anyway and shows them to everyone. Credentials never appear.
 */
export function registerHealth(app: Hono<ServerEnv>, server: ServerContext, sharedState?: () => { status: string; [detail: string]: unknown }): void {
  const probes = new ProbeCache(server.upstreams);
  const keyCheck = server.config.server.apiKeys.length ? authenticate(server.config.server.apiKeys) : undefined;

  app.get("/health", async (c) => {
    if (server.inFlight.draining) return c.json({ status: "shutting_down" }, 503);
    const providers = await probes.snapshot();
    const state = sharedState?.();
    const degraded = Object.values(providers).some((health) => health.status === "down" || health.status === "degraded") || state?.status === "down";
    const status = degraded ? "degraded" : "ok";
    if (!(await authorised(c, keyCheck))) return c.json({ status });
    const body = { status, uptimeSeconds: Math.floor(Date.now() / 1000) - server.startedAt, providers, ...(state ? { state } : {}) };
    return c.body(server.redact(JSON.stringify(body)), 200, { "content-type": "application/json" });
  });
}

/** True when no keys are configured, or the request carries one of them (checked as the API routes check it). */
async function authorised(c: Context<ServerEnv>, keyCheck: ReturnType<typeof authenticate> | undefined): Promise<boolean> {
  if (!keyCheck) return true;
  let passed = false;
  try {
    await keyCheck(c, async () => {
      passed = true;
    });
  } catch {
    // A missing or wrong key gets the summary, not a 401: /health stays usable by load balancers without one.
  }
  return passed;
}

interface Entry {
  health?: ProviderHealth;
  checkedAt?: number;
  running?: Promise<void>;
}

/** The last probe result per provider, refreshed in the background by the requests that ask for it. */
class ProbeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly upstreams: ReadonlyMap<string, ServerUpstream>) {}

  async snapshot(): Promise<Record<string, Reported>> {
    const running: Promise<void>[] = [];
    for (const [name, upstream] of this.upstreams) {
      if (!upstream.health) continue;
      const entry = this.entries.get(name) ?? {};
      this.entries.set(name, entry);
      entry.running ??= this.refresh(entry, upstream);
      running.push(entry.running);
    }
    if (running.length) await settledWithin(Promise.all(running), WAIT_BUDGET_MS);

    const now = performance.now();
    const report: Record<string, Reported> = {};
    for (const [name, upstream] of this.upstreams) {
      const entry = this.entries.get(name);
      if (!upstream.health || !entry) report[name] = { status: "unknown" };
      else if (!entry.health || entry.checkedAt === undefined) report[name] = { status: "unknown", note: "first check still running" };
      else report[name] = { ...entry.health, ageMs: Math.round(now - entry.checkedAt) };
    }
    return report;
  }

  private async refresh(entry: Entry, upstream: ServerUpstream): Promise<void> {
    try {
      entry.health = await probe(upstream);
      entry.checkedAt = performance.now();
    } finally {
      entry.running = undefined;
    }
  }
}

async function probe(upstream: ServerUpstream): Promise<ProviderHealth> {
  const answer = upstream.health!().catch((error: unknown): ProviderHealth => ({ status: "down", error: error instanceof Error ? error.message : String(error) }));
  const late: ProviderHealth = { status: "down", error: `no answer within ${PROBE_TIMEOUT_MS} ms` };
  return (await settledWithin(answer, PROBE_TIMEOUT_MS)) ? answer : late;
}

/** True when `promise` settled within `ms`; never rejects. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
