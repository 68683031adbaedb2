import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startOpenAIDouble, type DoubleReply, type OpenAIDouble } from "./double/index.js";
import { createGenericUpstream, type GenericLogger } from "./index.js";

let double: OpenAIDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

const API_KEY = "sk-live-0123456789abcdef";

function recordingLogger() {
  const lines: unknown[] = [];
  const at = (level: string) => (object: Record<string, unknown>, message?: string) => void lines.push({ level, object, message });
  const logger: GenericLogger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { logger, lines };
}

const request: UpstreamRequest = { model: "m", messages: [{ role: "user", content: "hi" }], options: {} };

async function collect(events: AsyncIterable<UpstreamEvent>, seen: UpstreamEvent[] = []): Promise<UpstreamEvent[]> {
  for await (const event of events) seen.push(event);
  return seen;
}

/** Runs one request against a double scripted with `reply` and returns the error it ended with. */
async function failWith(reply: DoubleReply, options: { stream?: boolean; timeoutMs?: number | { firstByteMs: number; idleMs: number } } = {}) {
  double = await startOpenAIDouble({ script: reply });
  const { logger, lines } = recordingLogger();
  const upstream = createGenericUpstream({ baseURL: double.url, apiKey: API_KEY, tools: "emulate", logger, ...options });
  const seen: UpstreamEvent[] = [];
  const error = await collect(upstream.stream(request, new AbortController().signal), seen).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UpstreamError);
  return { error: error as UpstreamError, seen, lines };
}

describe("generic provider: upstream HTTP errors", () => {
  it("429 → 429 retryable with retry-after and the upstream's message", async () => {
    const { error } = await failWith({ failure: { kind: "http", status: 429, message: "Too many requests, slow down", headers: { "retry-after": "7" } } });
    expect(error).toMatchObject({ status: 429, retryable: true, retryAfter: 7, upstreamStatus: 429, type: "rate_limit_error" });
    expect(error.message).toContain("Too many requests, slow down");
  });

  it.each([500, 503])("%i → 502 retryable with the upstream's message", async (status) => {
    const { error } = await failWith({ failure: { kind: "http", status, message: "model crashed" } });
    expect(error).toMatchObject({ status: 502, retryable: true, upstreamStatus: status });
    expect(error.message).toContain("model crashed");
  });

  it("400 context length → 400 with the upstream message", async () => {
    const message = "the request exceeds the available context size, try increasing it";
    const { error } = await failWith({ failure: { kind: "http", status: 400, message } });
    expect(error).toMatchObject({ status: 400, retryable: false, code: "context_length_exceeded", type: "invalid_request_error" });
    expect(error.message).toContain(message);
  });

  it("reads Ollama-style {error: string} bodies", async () => {
    const { error } = await failWith({ failure: { kind: "http", status: 500, body: '{"error":"llama runner process has terminated"}' } });
    expect(error.message).toContain("llama runner process has terminated");
  });

  it.each([401, 403])("%i → 502 telling the operator to check the provider's apiKey, never echoing it", async (status) => {
    const { error, lines } = await failWith({ failure: { kind: "http", status, message: `Incorrect API key provided: ${API_KEY}` } });
    expect(error).toMatchObject({ status: 502, retryable: false, upstreamStatus: status, code: "upstream_auth_failed" });
    expect(error.message).toMatch(/check the apiKey/i);
    expect(error.message).not.toContain(API_KEY);
    expect(JSON.stringify(lines)).not.toContain(API_KEY);
    expect(lines.length).toBeGreaterThan(0);
  });

  it("404 → 502 pointing at baseURL and model ids", async () => {
    const { error } = await failWith({ failure: { kind: "http", status: 404, message: "model 'm' not found" } });
    expect(error).toMatchObject({ status: 502, upstreamStatus: 404 });
    expect(error.message).toContain("model 'm' not found");
    expect(error.message).toContain("baseURL");
  });
});

describe("generic provider: broken connections and streams", () => {
  it("connection refused → 502", async () => {
    const closed = await startOpenAIDouble();
    const url = closed.url;
    await closed.close();
    const upstream = createGenericUpstream({ baseURL: url, tools: "emulate" });
    const error = await collect(upstream.stream(request, new AbortController().signal)).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, retryable: true, code: "upstream_unreachable" });
    expect((error as Error).message).toContain("ECONNREFUSED");
  });

  it("reset mid-stream → 502 after the events that arrived", async () => {
    const { error, seen } = await failWith({ text: ["ab", "cd", "ef"], failure: { kind: "reset", afterChunks: 3 } });
    expect(error).toMatchObject({ status: 502, retryable: true, code: "upstream_connection_lost" });
    expect(seen.map((e) => (e.type === "text" ? e.text : e.type))).toEqual(["ab", "cd"]);
  });

  it("reset before any response → 502", async () => {
    const { error } = await failWith({ failure: { kind: "reset", afterChunks: 0 } });
    expect(error).toMatchObject({ status: 502, retryable: true });
  });

  it("malformed SSE → 502", async () => {
    const { error } = await failWith({ text: "abcdef", failure: { kind: "malformed", afterChunks: 2 } });
    expect(error).toMatchObject({ status: 502, code: "upstream_malformed" });
  });

  it("malformed JSON body (stream: false) → 502", async () => {
    const { error } = await failWith({ text: "abcdef", failure: { kind: "malformed", afterChunks: 0 } }, { stream: false });
    expect(error).toMatchObject({ status: 502, code: "upstream_malformed" });
  });

  it("a stream that ends without finish_reason → 502 upstream stream ended early", async () => {
    const { error, seen } = await failWith({ text: "abcdefgh", failure: { kind: "end-early", afterChunks: 2 } });
    expect(error).toMatchObject({ status: 502, code: "upstream_incomplete" });
    expect(error.message).toContain("upstream stream ended early");
    expect(seen.some((e) => e.type === "end")).toBe(false);
  });

  it("a stream that ends with [DONE] but never set finish_reason counts as stop", async () => {
    double = await startOpenAIDouble({ script: { text: "ok", finishReason: null } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "emulate" });
    const events = await collect(upstream.stream(request, new AbortController().signal));
    expect(events.at(-1)).toEqual({ type: "end", reason: "stop" });
  });

  it("an error object inside the stream → 502 with its message", async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"error":{"message":"out of memory","type":"server_error"}}\n\n');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const upstream = createGenericUpstream({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, tools: "emulate" });
      const error = await collect(upstream.stream(request, new AbortController().signal)).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502 });
      expect((error as Error).message).toContain("out of memory");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a redirect → 502 asking for the address it points to as baseURL, and the body was sent once", async () => {
    let posts = 0;
    const server = createServer((req, res) => {
      posts++;
      req.resume();
      res.writeHead(308, { location: "https://elsewhere.example/v1/chat/completions" }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const upstream = createGenericUpstream({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, tools: "emulate" });
      const error = await collect(upstream.stream(request, new AbortController().signal)).catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 502, retryable: false, code: "upstream_redirect" });
      expect((error as Error).message).toMatch(/answered with a redirect.*set the provider's baseURL/);
      expect(posts).toBe(1);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("generic provider: timeouts and aborts", () => {
  it("no response headers within the first-byte timeout → 504", async () => {
    const { error } = await failWith({ failure: { kind: "hang" } }, { timeoutMs: { firstByteMs: 80, idleMs: 5000 } });
    expect(error).toMatchObject({ status: 504, retryable: true, code: "upstream_timeout" });
    expect(error.message).toContain("80 ms");
    expect(await double?.waitForOutcome(0)).toBe("aborted");
  });

  it("silence mid-stream beyond the idle timeout → 504, and the upstream sees the disconnect", async () => {
    const { error, seen } = await failWith({ text: "abcdefgh", failure: { kind: "stall", afterChunks: 2 } }, { timeoutMs: { firstByteMs: 5000, idleMs: 400 } });
    expect(error).toMatchObject({ status: 504, code: "upstream_timeout" });
    expect(seen).toEqual([{ type: "text", text: "abcd" }]);
    expect(await double?.waitForOutcome(0)).toBe("aborted");
  });

  it("a slow consumer does not count as upstream silence", async () => {
    // On a fake clock no time passes while the upstream is awaited (real I/O), however loaded the machine. The consumer
    // holds each event for ten idle limits of fake time and only then lets the upstream send the next chunk, so every
    // read starts before its chunk exists and only time spent in the consumer could trip the timer.
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const pending = [chunk({ content: "b" }), chunk({ content: "c" }), `${chunk({}, "stop")}data: [DONE]\n\n`];
    let response: ServerResponse | undefined;
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(chunk({ role: "assistant", content: "a" }));
      response = res;
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const upstream = createGenericUpstream({ baseURL, tools: "emulate", timeoutMs: 50 });
      const texts: string[] = [];
      for await (const event of upstream.stream(request, new AbortController().signal)) {
        if (event.type === "text") texts.push(event.text);
        await vi.advanceTimersByTimeAsync(500);
        const next = pending.shift();
        if (next?.includes("[DONE]")) response?.end(next);
        else if (next) response?.write(next);
      }
      expect(texts).toEqual(["a", "b", "c"]);
    } finally {
      vi.useRealTimers();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("aborting the signal mid-stream cancels the upstream request", async () => {
    double = await startOpenAIDouble({ script: { text: "abcdefgh", failure: { kind: "stall", afterChunks: 2 } } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "emulate" });
    const controller = new AbortController();
    const seen: UpstreamEvent[] = [];
    const done = collect(upstream.stream(request, controller.signal), seen).catch((e: unknown) => e);
    await expect.poll(() => seen.length).toBe(1);
    controller.abort(new Error("client went away"));
    expect(await done).toMatchObject({ message: "client went away" });
    expect(await double.waitForOutcome(0)).toBe("aborted");
  });

  it("aborting before the response arrives cancels the fetch", async () => {
    double = await startOpenAIDouble({ script: { failure: { kind: "hang" } } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "emulate" });
    const controller = new AbortController();
    const done = collect(upstream.stream(request, controller.signal)).catch((e: unknown) => e);
    await expect.poll(() => double?.requests.length).toBe(1);
    controller.abort();
    expect(await done).toMatchObject({ name: "AbortError" });
    expect(await double.waitForOutcome(0)).toBe("aborted");
  });

  it("a consumer that stops iterating early releases the upstream connection", async () => {
    double = await startOpenAIDouble({ script: { text: "abcdefgh", failure: { kind: "stall", afterChunks: 2 } } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "emulate" });
    for await (const event of upstream.stream(request, new AbortController().signal)) {
      if (event.type === "text") break;
    }
    expect(await double.waitForOutcome(0)).toBe("aborted");
  });

  it("close() cancels requests in flight", async () => {
    double = await startOpenAIDouble({ script: { failure: { kind: "hang" } } });
    const upstream = createGenericUpstream({ baseURL: double.url, tools: "emulate" });
    const done = collect(upstream.stream(request, new AbortController().signal)).catch((e: unknown) => e);
    await expect.poll(() => double?.requests.length).toBe(1);
    await upstream.close?.();
    expect(await done).toMatchObject({ code: "provider_closed" });
    expect(await double.waitForOutcome(0)).toBe("aborted");
  });
});

describe("generic provider: secrets", () => {
  it("never writes the apiKey or secret headers to the logs, whatever happens", async () => {
    double = await startOpenAIDouble({ tools: "reject", apiKey: API_KEY });
    const { logger, lines } = recordingLogger();
    const secretHeader = "proxy-secret-987654";
    const upstream = createGenericUpstream({ baseURL: double.url, apiKey: API_KEY, headers: { "x-proxy-auth": secretHeader }, logger });
    const weather = { name: "w", parameters: { type: "object" }, strict: false };
    await collect(upstream.stream({ ...request, tools: [weather] }, new AbortController().signal)).catch(() => undefined);
    await collect(upstream.stream(request, new AbortController().signal));
    double.enqueue({ failure: { kind: "http", status: 500, message: `bad key ${API_KEY} / ${secretHeader}` } });
    const error = await collect(upstream.stream(request, new AbortController().signal)).catch((e: Error) => e);
    expect(double.chatRequests().map((r) => r.headers["x-proxy-auth"])).toEqual([secretHeader, secretHeader, secretHeader]);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(API_KEY);
    expect(logged).not.toContain(secretHeader);
    expect((error as Error).message).toContain("[redacted]");
    expect((error as Error).message).not.toContain(API_KEY);
  });
});
