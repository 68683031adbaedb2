import { describe, expect, it } from "vitest";
import { createReplayUpstream } from "@toolshim/core/testing";
import { createApp } from "../app.js";
import { resolveConfig } from "../config/load-config.js";
import { createLogger } from "../logging/create-logger.js";
import { routeHarness } from "../routes/__fixtures__/route-harness.js";
import { fakeShared } from "./__fixtures__/fake-shared-traces.js";
import type { SharedSummary } from "./shared-traces.js";

const ADMIN = "console-admin-key-0123456789";
const API_KEY = "sk-client-api-key-abcdef";

function consoleHarness(enabled = true) {
  return routeHarness({ server: { apiKeys: [API_KEY] }, config: { console: { enabled, adminKey: ADMIN } } });
}

type App = ReturnType<typeof createApp>;

async function login(app: App): Promise<{ cookie: string; csrf: string }> {
  const response = await app.request("/console/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost", host: "localhost" },
    body: new URLSearchParams({ key: ADMIN }).toString(),
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/HttpOnly/);
  expect(setCookie).toMatch(/SameSite=Strict/);
  const cookie = setCookie.split(";")[0]!;
  const page = await (await app.request("/console/", { headers: { cookie } })).text();
  const csrf = /name="toolshim-csrf" content="([^"]+)"/.exec(page)?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}

describe("console routes", () => {
  it("do not exist when the console is off, and API requests carry no trace id", async () => {
    const { app, post } = consoleHarness(false);
    expect((await app.request("/console/login")).status).toBe(401);
    const response = await post("/v1/chat/completions", { model: "model-a", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${API_KEY}` });
    expect(response.headers.get("x-toolshim-trace-id")).toBeNull();
  });

  it("refuse a wrong admin key, an API key in its place, and a cross-site login form", async () => {
    const { app } = consoleHarness();
    const form = (key: string, origin = "http://localhost") =>
      app.request("/console/login", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin, host: "localhost" },
        body: new URLSearchParams({ key }).toString(),
      });
    expect((await form("wrong")).status).toBe(401);
    expect((await form(API_KEY)).status).toBe(401);
    expect((await form(ADMIN, "https://evil.example")).status).toBe(403);
  });

  it("send a security policy that forbids framing and outside origins, and redirect without a session", async () => {
    const { app } = consoleHarness();
    const response = await app.request("/console/");
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console/login");
    const csp = (await app.request("/console/login")).headers.get("content-security-policy") ?? "";
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/https?:/);
  });

  it("need a session for the API, and the CSRF token for the playground", async () => {
    const { app } = consoleHarness();
    expect((await app.request("/console/api/traces")).status).toBe(401);
    expect((await app.request("/console/api/traces", { headers: { authorization: `Bearer ${API_KEY}` } })).status).toBe(401);
    const { cookie, csrf } = await login(app);
    expect((await app.request("/console/api/traces", { headers: { cookie } })).status).toBe(200);
    const play = (headers: Record<string, string>) =>
      app.request("/console/api/playground", {
        method: "POST",
        headers: { cookie, "content-type": "application/json", host: "localhost", ...headers },
        body: JSON.stringify({ model: "model-a", messages: [{ role: "user", content: "hi" }] }),
      });
    expect((await play({})).status).toBe(403);
    expect((await play({ "x-toolshim-csrf": "forged" })).status).toBe(403);
    expect((await play({ "x-toolshim-csrf": csrf, origin: "https://evil.example" })).status).toBe(403);
    const ok = await play({ "x-toolshim-csrf": csrf, origin: "http://localhost" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-toolshim-trace-id")).toMatch(/^tr_/);
  });

  it("trace API requests: the header names a trace whose JSON has the prompt, raw text and masked key", async () => {
    const { app, post } = consoleHarness();
    const response = await post("/v1/chat/completions", { model: "model-a", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${API_KEY}` });
    const id = response.headers.get("x-toolshim-trace-id");
    expect(id).toMatch(/^tr_/);
    await response.text();
    const { cookie } = await login(app);
    const trace = await app.request(`/console/api/traces/${id}`, { headers: { cookie } });
    const text = await trace.text();
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(ADMIN);
    const json = JSON.parse(text) as { summary: Record<string, unknown>; request: { headers: Record<string, string> }; entries: { kind: string }[] };
    expect(json.summary).toMatchObject({ api: "chat/completions", model: "model-a", status: 200, done: true });
    expect(json.request.headers.authorization).toBe("[masked]");
    expect(json.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(["upstream-request", "upstream-event", "done"]));
    const list = (await (await app.request("/console/api/traces", { headers: { cookie } })).json()) as { traces: { id: string }[] };
    expect(list.traces.map((t) => t.id)).toContain(id);
  });

  it("log out only with the session's CSRF token", async () => {
    const { app } = consoleHarness();
    const { cookie, csrf } = await login(app);
    const logout = (token: string) =>
      app.request("/console/logout", { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded", host: "localhost" }, body: `csrf=${token}` });
    expect((await logout("forged")).status).toBe(403);
    expect((await logout(csrf)).status).toBe(303);
    expect((await app.request("/console/api/traces", { headers: { cookie } })).status).toBe(401);
  });
});

describe("console CSRF: Sec-Fetch-Site", () => {
  it("refuses a login or playground post a browser marks as cross-site", async () => {
    const { app } = consoleHarness();
    const response = await app.request("/console/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "sec-fetch-site": "cross-site" },
      body: new URLSearchParams({ key: ADMIN }).toString(),
    });
    expect(response.status).toBe(403);
    const { cookie, csrf } = await login(app);
    const play = await app.request("/console/api/playground", {
      method: "POST",
      headers: { cookie, "content-type": "application/json", "x-toolshim-csrf": csrf, "sec-fetch-site": "same-site" },
      body: "{}",
    });
    expect(play.status).toBe(403);
  });
});

describe("console live list", () => {
  it("streams a snapshot, then each new request's summary, with secrets redacted", async () => {
    const { app, post } = consoleHarness();
    const { cookie } = await login(app);
    const controller = new AbortController();
    const response = await app.request("/console/api/events", { headers: { cookie }, signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await readUntil("event: snapshot");
    const answer = await post("/v1/chat/completions", { model: "model-a", messages: [{ role: "user", content: `hi ${API_KEY}` }] }, { authorization: `Bearer ${API_KEY}` });
    const id = answer.headers.get("x-toolshim-trace-id")!;
    await answer.text();
    await readUntil('"done":true');
    expect(text).toContain(`"id":"${id}"`);
    expect(text).not.toContain(API_KEY);
    controller.abort();
    await reader.cancel().catch(() => {});
  });
});

describe("console providers view", () => {
  it("shows /health's per-account states and each model's tool mode, without credentials", async () => {
    const config = resolveConfig({
      server: { apiKeys: [API_KEY] },
      providers: { replay: { use: "demo" } },
      models: [{ id: "model-a", provider: "replay", upstreamModel: "replay" }],
      storage: { kind: "memory" },
      console: { enabled: true, adminKey: ADMIN },
    });
    const upstream = Object.assign(createReplayUpstream({ responses: { text: "hi" } }), {
      toolMode: () => "native" as const,
      health: async () => ({
        status: "degraded" as const,
        accounts: [{ account: "acct-1", status: "cooling_down", inFlight: 0, maxStreams: 1, detail: `login failed for ${API_KEY}` }],
      }),
    });
    const app = createApp(config, { logger: createLogger({ level: "silent" }), upstreams: new Map([["replay", upstream]]) });
    const { cookie } = await login(app);
    const text = await (await app.request("/console/api/providers", { headers: { cookie } })).text();
    expect(text).not.toContain(API_KEY);
    const view = JSON.parse(text) as { health: { providers: Record<string, { accounts: { status: string; detail: string }[] }> }; models: unknown[] };
    expect(view.health.providers.replay?.accounts[0]).toMatchObject({ status: "cooling_down", detail: "login failed for [redacted]" });
    expect(view.models).toEqual([{ id: "model-a", provider: "replay", upstreamModel: "replay", toolMode: "native" }]);
  });
});

describe("console traces of the other APIs", () => {
  it("trace /v1/messages and /v1/responses too, and keep only console.maxTraces", async () => {
    const { app, post } = routeHarness({ server: { apiKeys: [API_KEY] }, config: { console: { enabled: true, adminKey: ADMIN, maxTraces: 2 } } });
    const auth = { authorization: `Bearer ${API_KEY}` };
    const ids: string[] = [];
    for (const [path, body] of [
      ["/v1/chat/completions", { model: "model-a", messages: [{ role: "user", content: "hi" }] }],
      ["/v1/messages", { model: "model-a", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }],
      ["/v1/responses", { model: "model-a", input: "hi" }],
    ] as const) {
      const response = await post(path, body, auth);
      expect(response.status, path).toBe(200);
      ids.push(response.headers.get("x-toolshim-trace-id") ?? "");
      await response.text();
    }
    const { cookie } = await login(app);
    const list = (await (await app.request("/console/api/traces", { headers: { cookie } })).json()) as { traces: { id: string; api: string }[] };
    expect(list.traces.map((t) => [t.id, t.api])).toEqual([
      [ids[2], "responses"],
      [ids[1], "messages"],
    ]);
    expect((await app.request(`/console/api/traces/${ids[0]}`, { headers: { cookie } })).status).toBe(404);
  });

  it("send playground requests to the API the page picks, and refuse an unknown one", async () => {
    const { app } = consoleHarness();
    const { cookie, csrf } = await login(app);
    const play = (api: string, body: unknown) =>
      app.request(`/console/api/playground?api=${api}`, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", host: "localhost", origin: "http://localhost", "x-toolshim-csrf": csrf },
        body: JSON.stringify(body),
      });
    const messages = await play("messages", { model: "model-a", max_tokens: 50, messages: [{ role: "user", content: "hi" }] });
    expect(messages.status).toBe(200);
    expect(((await messages.json()) as { type: string }).type).toBe("message");
    const responses = await play("responses", { model: "model-a", input: "hi", stream: true });
    expect(responses.status).toBe(200);
    expect(await responses.text()).toContain("event: response.completed");
    const ids = [messages, responses].map((r) => r.headers.get("x-toolshim-trace-id"));
    const list = (await (await app.request("/console/api/traces", { headers: { cookie } })).json()) as { traces: { id: string; api: string }[] };
    expect(ids.map((id) => list.traces.find((t) => t.id === id)?.api)).toEqual(["messages", "responses"]);
    const unknown = await play("__proto__", {});
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("use one of chat, responses, messages");
  });
});

describe("console routes with traces shared between instances", () => {
  const other = (id: string): SharedSummary => ({ id, at: Date.now() + 1_000, api: "chat", stream: false, calls: 0, repairs: 0, notACalls: 0, done: true, instance: "other:7" });

  it("list and open another instance's traces, and say when the shared view is unavailable", async () => {
    const shared = fakeShared();
    await shared.put(other("tr_elsewhere"), JSON.stringify({ summary: { id: "tr_elsewhere" }, request: { body: "from B" } }));
    const { app, post } = routeHarness({
      server: { apiKeys: [API_KEY] },
      config: { console: { enabled: true, adminKey: ADMIN } },
      deps: { sharedTraces: { store: shared, address: "redis://redis:6379/0" } },
    });
    const local = (await post("/v1/chat/completions", { model: "model-a", messages: [{ role: "user", content: "hi" }] }, { authorization: `Bearer ${API_KEY}` })).headers.get("x-toolshim-trace-id");
    const { cookie } = await login(app);
    const get = (path: string) => app.request(path, { headers: { cookie } });

    const listing = (await (await get("/console/api/traces")).json()) as { traces: { id: string; instance?: string }[]; shared: unknown };
    expect(listing.traces.map((t) => t.id)).toEqual(["tr_elsewhere", local]);
    expect(listing.traces[0]?.instance).toBe("other:7");
    expect(listing.shared).toEqual({ status: "ok" });
    const opened = await get("/console/api/traces/tr_elsewhere");
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ request: { body: "from B" } });
    expect((await get("/console/api/traces/tr_nowhere")).status).toBe(404);

    shared.down = true;
    const degraded = (await (await get("/console/api/traces")).json()) as { traces: { id: string }[]; shared: { status: string; message: string } };
    expect(degraded.traces.map((t) => t.id)).toEqual([local]);
    expect(degraded.shared).toEqual({ status: "unavailable", message: expect.stringContaining("(Redis at redis://redis:6379/0) is not reachable") });
    const unavailable = await get("/console/api/traces/tr_elsewhere");
    expect(unavailable.status).toBe(503);
    expect(((await unavailable.json()) as { error: { type: string } }).error.type).toBe("console_error");
    expect((await get(`/console/api/traces/${local}`)).status).toBe(200);
  });
});
