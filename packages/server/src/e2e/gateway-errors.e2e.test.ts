import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli, writeConfig, type RunningCli } from "./harness.js";

let double: OpenAIDouble;
let open: RunningCli;
let keyed: RunningCli;
let client: OpenAI;

const TIMEOUT_MS = 700;

beforeAll(async () => {
  double = await startOpenAIDouble({ tools: "reject", delayMs: 2 });
  const providers = { local: { use: "generic", baseURL: double.url, tools: "emulate" } };
  const models = [{ id: "upstream-model", provider: "local", upstreamModel: "double-model" }];
  [open, keyed] = await Promise.all([
    startCli({ config: await writeConfig({ server: { keepAliveMs: 150, requestTimeoutMs: TIMEOUT_MS }, providers, models }) }),
    startCli({ config: await writeConfig({ server: { apiKeys: ["${E2E_KEY}"], bodyLimit: "2kb" }, providers, models }), env: { E2E_KEY: "e2e-secret-key-42" } }),
  ]);
  client = new OpenAI({ baseURL: open.baseURL, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await Promise.all([open?.stop(), keyed?.stop()]);
  await double?.close();
});

const hello = { model: "upstream-model", messages: [{ role: "user" as const, content: "hi" }] };
const post = (server: RunningCli, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

/** The double also records model listings; outcomes are looked up by position in all requests. */
const lastChatIndex = () => double.requests.lastIndexOf(double.chatRequests().at(-1)!);

function sseEvents(text: string): string[] {
  return text.split("\n\n").filter(Boolean);
}

describe("upstream failures", () => {
  it("passes a 429 and its retry-after through before the stream starts", async () => {
    double.enqueue({ failure: { kind: "http", status: 429, headers: { "retry-after": "3" }, message: "slow down" } });
    const response = await post(open, { ...hello, stream: true });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toContain("slow down");
  });

  it("answers 502 for an upstream 5xx (the SDK sees an InternalServerError)", async () => {
    double.enqueue({ failure: { kind: "http", status: 503, message: "overloaded" } });
    const error = await client.chat.completions.create(hello).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it("ends the stream with an error event when the upstream connection resets mid-stream", async () => {
    double.enqueue({ text: "The answer is being written", failure: { kind: "reset", afterChunks: 3 } });
    const response = await post(open, { ...hello, stream: true });
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ""));
    expect(last.error).toMatchObject({ type: "server_error" });
    expect(events.some((e) => e.includes("[DONE]"))).toBe(false);

    double.enqueue({ text: "The answer is being written", failure: { kind: "reset", afterChunks: 3 } });
    const stream = await client.chat.completions.create({ ...hello, stream: true });
    await expect(async () => {
      for await (const _chunk of stream);
    }).rejects.toBeInstanceOf(OpenAI.APIError);
  });

  it("keeps a stalled stream alive with SSE comments, then ends it with a timeout error", async () => {
    double.enqueue({ text: "Start of an answer", failure: { kind: "stall", afterChunks: 2 } });
    const response = await post(open, { ...hello, stream: true });
    const events = sseEvents(await response.text());
    expect(events.filter((e) => e === ": keep-alive").length).toBeGreaterThanOrEqual(2);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ""));
    expect(last.error).toMatchObject({ code: "upstream_timeout" });
    expect(last.error.message).toMatch(new RegExp(`sent no bytes for ${TIMEOUT_MS} ms after \\d+ bytes`));
  });

  it("answers 504 when the upstream never answers at all", async () => {
    double.enqueue({ failure: { kind: "hang" } });
    const response = await post(open, hello);
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("upstream_timeout");
    // The gateway dropped its upstream request rather than leaving it hanging.
    expect(await double.waitForOutcome(lastChatIndex())).toBe("aborted");
  });

  it("aborts the upstream request when the client goes away mid-stream", async () => {
    double.enqueue({ text: "x".repeat(400), chunkSize: 1, delayMs: 10 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ ...hello, stream: true }, { signal: controller.signal });
    let received = 0;
    try {
      for await (const _chunk of stream) {
        if (++received === 3) controller.abort();
      }
    } catch {
      // Depending on timing the SDK ends the iteration quietly or with an abort error; both are fine here.
    }
    expect(received).toBeLessThan(50);
    expect(await double.waitForOutcome(lastChatIndex(), 3000)).toBe("aborted");
    await expect.poll(() => open.logs().find((l) => l.msg === "request" && l.clientAborted)).toBeDefined();
  });
});

describe("requests the gateway rejects", () => {
  it("400 for malformed JSON and for invalid fields, with param", async () => {
    const malformed = await post(open, '{"model": ');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("invalid_json");

    const error = await client.chat.completions
      .create({ model: "upstream-model", messages: [{ role: "user", content: "x" }], temperature: "hot" as unknown as number })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("temperature");
  });

  it("404 for an unknown model, listing the available ones", async () => {
    const error = await client.chat.completions.create({ ...hello, model: "gpt-4o" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as Error).message).toContain("Available models: upstream-model");
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("401 without the right key when keys are configured; the key is never logged", async () => {
    const without = new OpenAI({ baseURL: keyed.baseURL, apiKey: "wrong-key", maxRetries: 0 });
    await expect(without.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await fetch(`${keyed.baseURL}/models`)).status).toBe(401);
    const withKey = new OpenAI({ baseURL: keyed.baseURL, apiKey: "e2e-secret-key-42", maxRetries: 0 });
    expect((await withKey.models.list()).data.map((m) => m.id)).toEqual(["upstream-model"]);
    const anthropicStyle = await fetch(`${keyed.baseURL}/models`, { headers: { "x-api-key": "e2e-secret-key-42" } });
    expect(anthropicStyle.status).toBe(200);
    await expect.poll(() => keyed.logs().filter((l) => l.msg === "request").length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(keyed.logs())).not.toContain("e2e-secret-key-42");
  });

  it("413 for a body over server.bodyLimit", async () => {
    const response = await post(keyed, { ...hello, messages: [{ role: "user", content: "x".repeat(5000) }] }, { authorization: "Bearer e2e-secret-key-42" });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("request_too_large");
  });
});
