import { type OpenAIDouble, startOpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../state/redis-client.js";
import type { RunningCli } from "./harness.js";
import { type InstancesOnRedis, redisServerBinary, startInstancesOnRedis } from "./instances-on-redis.js";

// Three real `toolshim serve` processes with the console on and shared state on one private redis-server: a request
// served by one instance is listed, opened and announced live by another instance's console.

const ADMIN_KEY = "console-admin-key-0123456789";
const API_KEY = "sk-client-key-shared-console-0123";
const UPSTREAM_KEY = "sk-upstream-secret-shared-console-9876";

interface Listing {
  traces: { id: string; instance?: string }[];
  shared?: { status: string; message?: string };
}

/** A console session on `instance`: logs in with the admin key and returns a GET for the console's JSON routes. */
async function consoleOf(instance: RunningCli): Promise<(path: string) => Promise<Response>> {
  const login = await fetch(`${instance.url}/console/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ key: ADMIN_KEY }).toString(),
    redirect: "manual",
  });
  expect(login.status).toBe(303);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  return (path) => fetch(`${instance.url}${path}`, { headers: { cookie } });
}

/** Polls (bounded) until `check` passes: a trace reaches Redis just after its answer reached the client. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let attempt = 0; attempt < 100 && !check(value); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe.runIf(redisServerBinary())("console traces shared by three instances on one Redis", () => {
  let double: OpenAIDouble;
  let cluster: InstancesOnRedis;
  const at = (index: number): RunningCli => {
    const instance = cluster.instances[index];
    if (!instance) throw new Error(`no instance ${index}`);
    return instance;
  };
  /** Sends a chat completion to `instance` and returns the trace id its response names. */
  const send = async (instance: RunningCli, content: string) => {
    const client = new OpenAI({ baseURL: instance.baseURL, apiKey: API_KEY, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "emulated", messages: [{ role: "user", content }] }).withResponse();
    const id = response.headers.get("x-toolshim-trace-id");
    expect(id).toMatch(/^tr_/);
    return id ?? "";
  };

  beforeAll(async () => {
    double = await startOpenAIDouble({ tools: "reject", chunkSize: 5 });
    cluster = await startInstancesOnRedis(
      (state) => ({
        server: { keepAliveMs: 1000, apiKeys: [API_KEY] },
        providers: { local: { use: "generic", baseURL: double.url, apiKey: UPSTREAM_KEY, tools: "emulate" } },
        models: [{ id: "emulated", provider: "local", upstreamModel: "double-model" }],
        storage: { kind: "memory" },
        console: { enabled: true, adminKey: ADMIN_KEY },
        state,
      }),
      { keyPrefix: "e2e-console" },
    );
  });
  afterAll(async () => {
    await cluster?.stop();
    await double?.close();
  });

  it("lists a request served by A in B's console and opens its trace there, redacted", async () => {
    double.script({ text: "Traced on A." });
    const id = await send(at(0), `Remember ${API_KEY} and ${UPSTREAM_KEY}, please.`);
    const get = await consoleOf(at(1));
    const listing = await eventually(
      async () => (await (await get("/console/api/traces")).json()) as Listing,
      (value) => value.traces.some((trace) => trace.id === id),
    );
    expect(listing.shared).toEqual({ status: "ok" });
    expect(listing.traces.find((trace) => trace.id === id)?.instance).toMatch(/:\d+$/);

    const opened = await get(`/console/api/traces/${id}`);
    expect(opened.status).toBe(200);
    const text = await opened.text();
    const trace = JSON.parse(text) as { summary: { id: string; done: boolean }; request: { headers: Record<string, string>; body: string }; response: { body: string } };
    expect(trace.summary).toMatchObject({ id, done: true });
    expect(trace.request.headers.authorization).toBe("[masked]");
    expect(trace.request.body).toContain("Remember [redacted] and [redacted], please.");
    expect(trace.response.body).toContain("Traced on A.");
    for (const secret of [API_KEY, UPSTREAM_KEY, ADMIN_KEY]) expect(text).not.toContain(secret);

    // What Redis holds went through the same masking and redaction.
    const redis = await connectRedis({ url: cluster.redis.url, connectTimeoutMs: 5_000 });
    try {
      const keys = await redis.keys("e2e-console:{traces}:*");
      expect(keys).toContain(`e2e-console:{traces}:t:${id}`);
      const stored = (await Promise.all(keys.filter((key) => key.includes(":t:")).map((key) => redis.get(key)))).join("\n");
      for (const secret of [API_KEY, UPSTREAM_KEY, ADMIN_KEY]) expect(stored).not.toContain(secret);
    } finally {
      redis.disconnect();
    }
  });

  it("announces a request served by A in C's live list", async () => {
    const get = await consoleOf(at(2));
    const events = await get("/console/api/events");
    const reader = events.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw new Error("no event stream");
    let seen = "";
    // The snapshot first, so the request below is announced as new.
    while (!seen.includes("event: snapshot")) seen += (await reader.read()).value ?? "";
    double.script({ text: "Live from A." });
    const id = await send(at(0), "live list");
    const deadline = Date.now() + 20_000;
    while (!seen.includes(`"id":"${id}"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += value;
    }
    await reader.cancel();
    expect(seen).toMatch(new RegExp(`event: trace\\ndata: \\{"id":"${id}"`));
  });

  it("shows the local traces and says the shared view is unavailable while Redis is down", async () => {
    double.script({ text: "Before." });
    const fromA = await send(at(0), "before the loss");
    const get = await consoleOf(at(1));
    await eventually(
      async () => (await (await get("/console/api/traces")).json()) as Listing,
      (value) => value.traces.some((trace) => trace.id === fromA),
    );
    await cluster.redis.stop();
    try {
      double.script({ text: "Local only." });
      const fromB = await send(at(1), "while Redis is down");
      const listing = (await (await get("/console/api/traces")).json()) as Listing;
      expect(listing.traces.map((trace) => trace.id)).toContain(fromB);
      expect(listing.traces.map((trace) => trace.id)).not.toContain(fromA);
      expect(listing.shared).toMatchObject({ status: "unavailable", message: expect.stringContaining("showing this instance's traces only") });
      const opened = await get(`/console/api/traces/${fromA}`);
      expect(opened.status).toBe(503);
      expect(((await opened.json()) as { error: { message: string } }).error.message).toContain("not reachable");
      expect((await get(`/console/api/traces/${fromB}`)).status).toBe(200);
    } finally {
      await cluster.redis.start();
    }
    // Back by itself (an empty Redis: the traces it had are gone, new ones are shared again). A trace finished while
    // A's connection is still coming back is not shared, so ask again until one is (bounded).
    let shared: Listing | undefined;
    for (let attempt = 0; attempt < 40 && !shared; attempt++) {
      double.script({ text: "After." });
      const after = await send(at(0), `after the return ${attempt}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      const listing = (await (await get("/console/api/traces")).json()) as Listing;
      if (listing.traces.some((trace) => trace.id === after)) shared = listing;
    }
    expect(shared?.shared).toEqual({ status: "ok" });
  });
});
