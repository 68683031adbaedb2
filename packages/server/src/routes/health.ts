import type { Hono } from "hono";
import type { ServerEnv } from "../http/server-env.js";
import type { ProviderHealth, ServerUpstream } from "../providers/provider-kind.js";
import type { ServerContext } from "../server-context.js";

const PROBE_TIMEOUT_MS = 5_000;

/**
 * `GET /health`: "ok" when every provider that can report its health says so, "degraded" otherwise. Always 200 while
 * the process serves requests, so a load balancer does not take the whole gateway down for one bad provider.
 * Unauthenticated: it must not (and does not) reveal credentials.
 */
export function registerHealth(app: Hono<ServerEnv>, server: ServerContext): void {
  app.get("/health", async (c) => {
    const providers: Record<string, ProviderHealth | { status: "unknown" }> = {};
    await Promise.all(
      [...server.upstreams].map(async ([name, upstream]) => {
        providers[name] = upstream.health ? await probe(upstream) : { status: "unknown" };
      }),
    );
    const degraded = Object.values(providers).some((health) => health.status === "down" || health.status === "degraded");
    return c.json({ status: degraded ? "degraded" : "ok", uptimeSeconds: Math.floor(Date.now() / 1000) - server.startedAt, providers });
  });
}

async function probe(upstream: ServerUpstream): Promise<ProviderHealth> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ProviderHealth>((resolve) => {
    timer = setTimeout(() => resolve({ status: "down", error: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      upstream.health!().catch((error: unknown) => ({ status: "down" as const, error: error instanceof Error ? error.message : String(error) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
