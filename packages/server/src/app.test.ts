import { UpstreamError } from "@toolshim/core";
import type { ReplayResponse } from "@toolshim/core/testing";
import { describe, expect, it } from "vitest";
import { type RouteHarness, routeHarness } from "./routes/__fixtures__/route-harness.js";

interface Harness extends Omit<RouteHarness, "post"> {
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** The route harness with a second model, posting to the chat completions route. */
function harness(options: { server?: Record<string, unknown>; responses?: ReplayResponse | ReplayResponse[] } = {}): Harness {
  const route = routeHarness({
    ...options,
    config: {
      models: [
        { id: "model-a", provider: "replay", upstreamModel: "replay" },
        { id: "model-b", provider: "replay", upstreamModel: "replay", ownedBy: "someone" },
      ],
    },
  });
  return { ...route, post: (body, headers) => route.post("/v1/chat/completions", body, headers) };
}

const hello = { model: "model-a", messages: [{ role: "user", content: "hi" }] };

async function errorOf(response: Response) {
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  return ((await response.json()) as { error: { message: string; type: string; param: string | null; code: string | null } }).error;
}

describe("routes", () => {
  it("answers a chat completion as JSON and logs one line for it", async () => {
    const { post, logs, upstream } = harness();
    const response = await post(hello, { "x-request-id": "client-req-1" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("x-request-id")).toBe("client-req-1");
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ object: "chat.completion", model: "model-a", choices: [{ message: { content: "Hello there." }, finish_reason: "stop" }] });
    expect(upstream.requests[0]).toMatchObject({ model: "replay", requestId: "client-req-1" });
    const requestLines = logs.filter((line) => line.msg === "request");
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      requestId: "client-req-1",
      model: "model-a",
      provider: "replay",
      upstreamModel: "replay",
      stream: false,
      status: 200,
      finishReason: "stop",
      toolCalls: 0,
      inputTokens: 3,
    });
    expect(requestLines[0]!.durationMs).toBeTypeOf("number");
    expect(requestLines[0]!.upstreamFirstEventMs).toBeTypeOf("number");
  });

  it("streams Server-Sent Events ending in [DONE] and logs the stream when it ends", async () => {
    const { post, logs } = harness({ responses: { text: "Hello there.", chunkSize: 3 } });
    const response = await post({ ...hello, stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const payloads = text.split("\n\n").filter(Boolean).map((event) => event.replace(/^data: /, ""));
    expect(payloads.at(-1)).toBe("[DONE]");
    const content = payloads.slice(0, -1).map((p) => JSON.parse(p).choices[0]?.delta?.content ?? "").join("");
    expect(content).toBe("Hello there.");
    const line = logs.find((l) => l.msg === "request");
    expect(line).toMatchObject({ stream: true, status: 200, finishReason: "stop" });
    expect(line!.ttfbMs).toBeTypeOf("number");
  });

  it("lists the configured models in OpenAI's shape and retrieves one", async () => {
    const { app } = harness();
    const list = (await (await app.request("/v1/models")).json()) as any;
    expect(list.object).toBe("list");
    expect(list.data.map((m: any) => [m.id, m.object, m.owned_by])).toEqual([
      ["model-a", "model", "replay"],
      ["model-b", "model", "someone"],
    ]);
    expect(list.data[0].created).toBeTypeOf("number");
    expect(((await (await app.request("/models/model-b")).json()) as any).id).toBe("model-b");
    const missing = await app.request("/v1/models/nope");
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe("model_not_found");
  });

  it("reports health per provider", async () => {
    const { app } = harness();
    const health = (await (await app.request("/health")).json()) as any;
    expect(health).toMatchObject({ status: "ok", providers: { replay: { status: "unknown" } } });
  });
});

describe("bad requests", () => {
  it("400 for a body that is not JSON, with a message saying so", async () => {
    const response = await harness().post("{not json");
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "invalid_json" });
    expect(error.message).toMatch(/not valid JSON/);
  });

  it("400 with the offending field in param", async () => {
    const { post } = harness();
    const missing = await post({ model: "model-a" });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).param).toBe("messages");
    const noModel = await post({ messages: [] });
    expect(noModel.status).toBe(400);
    expect((await errorOf(noModel)).param).toBe("model");
    const badTool = await post({ ...hello, tools: [{ type: "function", function: { name: "bad name!" } }] });
    expect(badTool.status).toBe(400);
    expect((await errorOf(badTool)).param).toMatch(/^tools\[0\]/);
  });

  it("404 model_not_found listing the available ids, and 404 for unknown routes", async () => {
    const { post, app } = harness();
    const response = await post({ ...hello, model: "gpt-5" });
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error).toMatchObject({ code: "model_not_found", param: "model" });
    expect(error.message).toContain("model-a, model-b");
    const route = await app.request("/v1/embeddings", { method: "POST", body: "{}" });
    expect(route.status).toBe(404);
    expect((await errorOf(route)).message).toContain("POST /v1/embeddings");
  });

  it("413 when the body is larger than server.bodyLimit", async () => {
    const { post } = harness({ server: { bodyLimit: "1kb" } });
    const response = await post({ ...hello, messages: [{ role: "user", content: "x".repeat(2000) }] });
    expect(response.status).toBe(413);
    expect((await errorOf(response)).message).toMatch(/larger than this server accepts \(1024 bytes/);
  });

  it("serves the same routes without the /v1 prefix", async () => {
    const response = await harness().app.request("/chat/completions", { method: "POST", body: JSON.stringify(hello) });
    expect(response.status).toBe(200);
  });
});

describe("auth and CORS", () => {
  const keyed = () => harness({ server: { apiKeys: ["key-one-111", "key-two-222"] } });

  it("is open without keys and requires one of them when keys are configured", async () => {
    expect((await harness().post(hello)).status).toBe(200);
    const { post, app, logs } = keyed();
    const none = await post(hello);
    expect(none.status).toBe(401);
    expect((await errorOf(none)).code).toBe("missing_api_key");
    const wrong = await post(hello, { authorization: "Bearer key-one-11" });
    expect(wrong.status).toBe(401);
    expect((await errorOf(wrong)).code).toBe("invalid_api_key");
    expect((await post(hello, { authorization: "Bearer key-two-222" })).status).toBe(200);
    expect((await post(hello, { "x-api-key": "key-one-111" })).status).toBe(200);
    expect((await app.request("/v1/models")).status).toBe(401);
    expect((await app.request("/health")).status).toBe(200);
    expect(JSON.stringify(logs)).not.toMatch(/key-one-11|key-two-222/);
  });

  it("answers preflights from allowed origins with the requested headers, before auth", async () => {
    const { app } = keyed();
    const preflight = await app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:3210",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type, x-stainless-os, anthropic-version",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-headers")).toBe("authorization, content-type, x-stainless-os, anthropic-version");
    expect(preflight.headers.get("access-control-allow-methods")).toContain("POST");
    const actual = await app.request("/v1/models", { headers: { origin: "http://localhost:3210", "x-api-key": "key-one-111" } });
    expect(actual.headers.get("access-control-allow-origin")).toBe("*");
    expect(actual.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("sends no CORS headers to origins that are not allowed (the default without keys)", async () => {
    const { app } = harness();
    const preflight = await app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const listed = harness({ server: { cors: { origins: ["https://app.example"] } } });
    const ok = await listed.app.request("/v1/models", { headers: { origin: "https://app.example" } });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await listed.app.request("/v1/models", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("upstream trouble", () => {
  it("passes a 429 with retry-after through before the stream starts", async () => {
    const { post, logs } = harness({
      responses: { failBefore: new UpstreamError("Rate limited by the upstream.", { status: 429, retryable: true, retryAfter: 7, upstreamStatus: 429, code: "rate_limited" }) },
    });
    const response = await post({ ...hello, stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(await errorOf(response)).toMatchObject({ type: "rate_limit_error", code: "rate_limited" });
    expect(logs.find((l) => l.msg === "request")).toMatchObject({ status: 429, errorCode: "rate_limited" });
  });

  it("ends a started stream with an SSE error event when the upstream fails mid-way", async () => {
    const { post, logs } = harness({
      responses: { text: "partial answer", chunkSize: 4, failAfter: { events: 2, error: new UpstreamError("connection reset", { status: 502, retryable: true }) } },
    });
    const response = await post({ ...hello, stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = text.split("\n\n").filter(Boolean);
    expect(JSON.parse(events.at(-1)!.replace(/^data: /, ""))).toMatchObject({ error: { message: "connection reset", type: "server_error" } });
    expect(text).not.toContain("[DONE]");
    expect(logs.find((l) => l.msg === "request")).toMatchObject({ stream: true, error: "connection reset" });
  });

  it("gives up on a silent upstream: 504 before output, keep-alives then an error event after", async () => {
    const before = harness({ server: { requestTimeoutMs: 100 }, responses: { text: "never", hangAfter: 0 } });
    const response = await before.post(hello);
    expect(response.status).toBe(504);
    expect((await errorOf(response)).code).toBe("upstream_timeout");
    expect(before.upstream.openStreams).toBe(0);

    const after = harness({ server: { requestTimeoutMs: 250, keepAliveMs: 60 }, responses: { text: ["Hel", "lo"], hangAfter: 1 } });
    const stream = await after.post({ ...hello, stream: true });
    const text = await stream.text();
    expect(text).toMatch(/: keep-alive\n\n/);
    expect(text).toMatch(/"code":"upstream_timeout"/);
    expect(after.upstream.openStreams).toBe(0);
  });

  it("aborts the upstream when the client goes away", async () => {
    const { app, upstream, logs } = harness({ responses: { text: "x".repeat(50), chunkSize: 1, delayMs: 20 } });
    const controller = new AbortController();
    const response = await app.request(
      new Request("http://localhost/v1/chat/completions", { method: "POST", body: JSON.stringify({ ...hello, stream: true }), signal: controller.signal }),
    );
    const reader = response.body!.getReader();
    await reader.read();
    expect(upstream.openStreams).toBe(1);
    controller.abort();
    await reader.cancel();
    await expect.poll(() => upstream.openStreams).toBe(0);
    await expect.poll(() => logs.find((l) => l.msg === "request")).toMatchObject({ clientAborted: true });
  });
});
