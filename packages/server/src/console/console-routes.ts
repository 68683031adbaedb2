import type { Context, Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ServerEnv } from "../http/server-env.js";
import type { ServerContext } from "../server-context.js";
import { readAsset } from "./console-assets.js";
import { appPage, loginPage, SECURITY_HEADERS } from "./console-page.js";
import { ConsoleSessions, sameOrigin, SESSION_COOKIE, sessionCookie } from "./console-session.js";
import { clientAddress, LoginLimiter } from "./login-limiter.js";
import type { TraceDirectory } from "./shared-traces.js";
import type { TraceStore } from "./trace-store.js";

export const CSRF_HEADER = "x-toolshim-csrf";

/**
 * `/console`: the login form, the app shell and its assets, and the JSON and SSE routes the UI reads. Everything
 * under /console/api needs a session; state-changing routes also need the session's CSRF token and a same-origin
 * request. Every JSON answer goes through the server's secret redaction. With shared state, `directory` adds the
 * traces of the other instances (and says when it cannot).
 */
export function registerConsole(app: Hono<ServerEnv>, server: ServerContext, store: TraceStore, adminKey: string, directory?: TraceDirectory): void {
  const sessions = new ConsoleSessions(adminKey);
  const logins = new LoginLimiter();
  const jsonText = (c: Context, text: string, status: 200 | 400 | 401 | 403 | 404 | 503 = 200) => c.body(server.redact(text), status, { "content-type": "application/json" });
  const json = (c: Context, value: unknown, status: 200 | 400 | 401 | 403 | 404 | 503 = 200) => jsonText(c, JSON.stringify(value), status);
  const refuse = (c: Context, status: 401 | 403 | 404 | 503, message: string) => json(c, { error: { message, type: "console_error" } }, status);
  const maxTraces = server.config.console?.maxTraces ?? 200;
  const listing = async () => (directory ? { traces: await directory.summaries(maxTraces), shared: directory.status } : { traces: store.summaries() });

  app.use("/console/*", async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });
  app.use("/console", async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(name, value);
  });

  const shell = (c: Context) => {
    const session = sessions.of(c);
    return session ? c.html(appPage(session.csrf)) : c.redirect("/console/login", 303);
  };
  app.get("/console", shell);
  app.get("/console/", shell);
  app.get("/console/login", (c) => c.html(loginPage()));
  app.post("/console/login", async (c) => {
    if (!sameOrigin(c)) return c.html(loginPage("This form must be sent from the console's own page."), 403);
    const address = clientAddress(c);
    const wait = logins.retryAfter(address);
    if (wait > 0) {
      c.header("retry-after", String(wait));
      return c.html(loginPage(`Too many failed logins from this address: try again in ${wait} s.`), 429);
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = typeof form.key === "string" ? form.key : "";
    if (!sessions.keyMatches(key)) {
      logins.failed(address);
      return c.html(loginPage("That is not the console's admin key (console.adminKey)."), 401);
    }
    logins.succeeded(address);
    c.header("set-cookie", sessionCookie(c, sessions.open()));
    return c.redirect("/console/", 303);
  });
  app.post("/console/logout", async (c) => {
    const session = sessions.of(c);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!session || !sameOrigin(c) || !sessions.csrfMatches(session, typeof form.csrf === "string" ? form.csrf : undefined)) {
      return refuse(c, 403, "Log out from the console's own page.");
    }
    sessions.close(c);
    c.header("set-cookie", `${SESSION_COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0`);
    return c.redirect("/console/login", 303);
  });
  app.get("/console/assets/:name", async (c) => {
    const asset = await readAsset(c.req.param("name"));
    if (!asset) return refuse(c, 404, "No such console asset (is the console UI built? run pnpm --filter @toolshim/server build).");
    return c.body(asset.body, 200, { "content-type": asset.type });
  });

  app.use("/console/api/*", async (c, next) => {
    const session = sessions.of(c);
    if (!session) return refuse(c, 401, "Log in to the console first (POST /console/login with the admin key).");
    if (c.req.method !== "GET" && (!sameOrigin(c) || !sessions.csrfMatches(session, c.req.header(CSRF_HEADER)))) {
      return refuse(c, 403, `Missing or wrong CSRF token: send the page's token in the ${CSRF_HEADER} header.`);
    }
    await next();
  });
  app.get("/console/api/traces", async (c) => json(c, await listing()));
  app.get("/console/api/traces/:id", async (c) => {
    const trace = store.get(c.req.param("id"));
    if (trace) return json(c, trace);
    const shared = await directory?.get(c.req.param("id"));
    if (shared !== undefined) return jsonText(c, shared);
    if (directory?.status.status === "unavailable") return refuse(c, 503, `${directory.status.message} This trace is not on this instance: open it again once the shared view is back.`);
    return refuse(c, 404, "No such trace: it may have been dropped from the buffer (console.maxTraces, maxTraceBytes).");
  });
  app.get("/console/api/events", (c) =>
    streamSSE(c, async (stream) => {
      let queue = Promise.resolve();
      const send = (event: string, data: unknown) => {
        queue = queue.then(() => stream.writeSSE({ event, data: server.redact(JSON.stringify(data)) })).catch(() => {});
      };
      send("snapshot", await listing());
      const onTrace = (summary: unknown) => send("trace", summary);
      const stop = directory ? directory.subscribe(onTrace, (status) => send("shared", status)) : store.subscribe(onTrace);
      let ticks = 0;
      let timer: ReturnType<typeof setInterval> | undefined;
      await new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        c.req.raw.signal.addEventListener("abort", () => resolve(), { once: true });
        // A console tab left open must not hold up a shutdown; a comment every 15 s keeps proxies from closing it.
        timer = setInterval(() => {
          if (server.inFlight.draining) resolve();
          else if (++ticks % 15 === 0) queue = queue.then(() => stream.write(": keep-alive\n\n")).then(() => undefined, () => undefined);
        }, 1000);
      });
      clearInterval(timer);
      stop();
    }),
  );
  app.get("/console/api/providers", async (c) => json(c, await providersView(app, server, c)));
  app.post("/console/api/playground", async (c) => {
    const api = c.req.query("api") ?? "chat";
    const path = PLAYGROUND_PATHS.get(api);
    if (!path) return json(c, { error: { message: `Unknown api "${api}": use one of ${[...PLAYGROUND_PATHS.keys()].join(", ")}.`, type: "console_error" } }, 400);
    const body = await c.req.text();
    return app.fetch(internalRequest(server, c, path, { method: "POST", body, signal: c.req.raw.signal }), c.env);
  });
}

/** The APIs the playground can send to (`?api=`), each at its own route so the trace shows its own shapes. */
const PLAYGROUND_PATHS = new Map([
  ["chat", "/v1/chat/completions"],
  ["responses", "/v1/responses"],
  ["messages", "/v1/messages"],
]);

/** A request to the server's own API, with a configured API key added here (it never reaches the page). */
function internalRequest(server: ServerContext, c: Context, path: string, init: RequestInit): Request {
  const headers = new Headers({ "content-type": "application/json" });
  const key = server.config.server.apiKeys[0];
  if (key) headers.set("authorization", `Bearer ${key}`);
  return new Request(new URL(path, c.req.url), { ...init, headers });
}

/** /health's cached probes (reachability, DeepSeek accounts), and each model's provider and current tool mode. */
async function providersView(app: Hono<ServerEnv>, server: ServerContext, c: Context): Promise<Record<string, unknown>> {
  const health = await app.fetch(internalRequest(server, c, "/health", { method: "GET" }), c.env);
  const models = server.catalog.list().map((entry) => ({
    id: entry.id,
    provider: entry.providerName,
    upstreamModel: entry.model.upstreamModel,
    toolMode: entry.upstream.toolMode?.(entry.model.upstreamModel) ?? "emulate",
  }));
  return { health: (await health.json()) as unknown, models };
}
