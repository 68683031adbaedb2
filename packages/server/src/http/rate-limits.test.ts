import { createMemoryState } from "@toolshim/core/provider-utils";
import { Hono } from "hono";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { routeHarness } from "../routes/__fixtures__/route-harness.js";
import { rateLimits } from "./rate-limits.js";
import { requestContext } from "./request-context.js";
import type { ServerEnv } from "./server-env.js";

const chat = { model: "model-a", messages: [{ role: "user", content: "hi" }] };
const anthropic = { model: "model-a", max_tokens: 50, messages: [{ role: "user", content: "hi" }] };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

function harness(keys: Record<string, unknown>[]) {
  return routeHarness({
    server: { apiKeys: ["plain-key-123"], keys },
    config: { models: [{ id: "model-a", provider: "replay", upstreamModel: "replay" }] },
    // Every answer reports 3 input + 2 output tokens.
    responses: Array.from({ length: 20 }, () => ({ text: "Hello there.", usage: { inputTokens: 3, outputTokens: 2 } })),
  });
}

describe("per-key rate limits (server.keys)", () => {
  // Windows are whole minutes: pin the clock 10 s into one, so no test straddles a window's end.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-01T00:00:10Z"));
  });
  afterEach(() => vi.useRealTimers());

  it("answers 429 with retry-after past requestsPerMinute, in OpenAI's and Anthropic's shapes; other keys are not limited", async () => {
    const { post } = harness([{ name: "agent", key: "agent-key-123", requestsPerMinute: 2 }]);
    expect((await post("/v1/chat/completions", chat, bearer("agent-key-123"))).status).toBe(200);
    expect((await post("/v1/messages", anthropic, { "x-api-key": "agent-key-123" })).status).toBe(200);

    const openai = await post("/v1/chat/completions", chat, bearer("agent-key-123"));
    expect(openai.status).toBe(429);
    const retryAfter = Number(openai.headers.get("retry-after"));
    expect(retryAfter).toBe(50);
    expect(((await openai.json()) as { error: unknown }).error).toMatchObject({
      code: "rate_limit_exceeded",
      message: expect.stringContaining('The API key "agent" is limited to 2 requests per minute'),
    });

    const messages = await post("/v1/messages", anthropic, { "x-api-key": "agent-key-123" });
    expect(messages.status).toBe(429);
    expect(messages.headers.get("retry-after")).not.toBeNull();
    expect(await messages.json()).toMatchObject({ type: "error", error: { message: expect.stringContaining("2 requests per minute") } });

    // The plain key and a wrong key are not affected by (or counted against) the named key's limit.
    expect((await post("/v1/chat/completions", chat, bearer("plain-key-123"))).status).toBe(200);
    expect((await post("/v1/chat/completions", chat, bearer("wrong-key-1234"))).status).toBe(401);
  });

  it("stops a key once the minute's tokens reach tokensPerMinute", async () => {
    const { post } = harness([{ name: "thrifty", key: "thrifty-key-1", tokensPerMinute: 10 }]);
    expect((await post("/v1/chat/completions", chat, bearer("thrifty-key-1"))).status).toBe(200); // 5 tokens
    expect((await post("/v1/chat/completions", chat, bearer("thrifty-key-1"))).status).toBe(200); // 10 tokens
    const over = await post("/v1/chat/completions", chat, bearer("thrifty-key-1"));
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain("10 tokens per minute");
  });

  it("refuses a key name with spaces (names appear in messages and state keys)", async () => {
    expect(() => harness([{ name: "has space", key: "some-key-123" }])).toThrow(/server\.keys\[0\]\.name/);
  });
});

describe("concurrentStreams", () => {
  it("refuses a second request of a key while its first is in progress, and frees the slot when it ends", async () => {
    let finish: () => void = () => {};
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const app = new Hono<ServerEnv>();
    const logger = pino({ level: "silent" });
    app.use(requestContext(logger));
    app.use(rateLimits([{ name: "one-at-a-time", key: "single-key-123", concurrentStreams: 1 }], createMemoryState(), logger));
    app.post("/slow", () => {
      entered();
      return new Promise<Response>((resolve) => (finish = () => resolve(new Response("done"))));
    });
    app.post("/fast", () => new Response("done"));
    app.onError((error) => new Response((error as Error).message, { status: (error as { status?: number }).status ?? 500 }));
    const headers = { authorization: "Bearer single-key-123" };

    const slow = app.request("/slow", { method: "POST", headers });
    await inHandler;
    const refused = await app.request("/fast", { method: "POST", headers });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("limited to 1 concurrent requests");
    finish();
    expect((await slow).status).toBe(200);
    expect((await app.request("/fast", { method: "POST", headers })).status).toBe(200);
  });
});
