import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, describe, expect, it } from "vitest";
import { startDripUpstream, type DripUpstream } from "./__fixtures__/drip-upstream.js";
import { startCli, writeConfig, type RunningCli } from "./harness.js";

const opened: { close(): Promise<void> }[] = [];
const servers: RunningCli[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await Promise.all(opened.map((upstream) => upstream.close()));
});

async function gatewayFor(upstream: { url: string; close(): Promise<void> }, extra: { server?: Record<string, unknown>; timeouts?: Record<string, unknown> } = {}) {
  opened.push(upstream);
  const config = await writeConfig({
    server: { keepAliveMs: 0, ...extra.server },
    providers: { up: { use: "generic", baseURL: upstream.url, tools: "emulate", ...(extra.timeouts ? { timeouts: extra.timeouts } : {}) } },
    models: [{ id: "m", provider: "up", upstreamModel: "double-model" }],
  });
  const server = await startCli({ config });
  servers.push(server);
  return server;
}

const ask = (server: RunningCli, path: string, body: Record<string, unknown>) =>
  fetch(`${server.baseURL}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("timeouts measured in bytes received", () => {
  it("an upstream dripping 1 byte/s is not idle; the total limit ends it, saying so", async () => {
    const server = await gatewayFor(await startDripUpstream({ intervalMs: 1000 }), { timeouts: { idleMs: 3000, totalMs: 6000 } });
    const response = await ask(server, "/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(504);
    const error = ((await response.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("upstream_timeout");
    expect(error.message).toMatch(/was still answering after 6000 ms \(\d+ bytes received\)/);
    expect(error.message).toContain("providers.up.timeouts.totalMs");
    expect(error.message).not.toMatch(/no bytes|nothing/);
  }, 20_000);

  it("an upstream that stops after a few bytes: no bytes for the idle limit after that many bytes", async () => {
    const server = await gatewayFor(await startDripUpstream({ intervalMs: 20, stopAfterBytes: 5 }), { timeouts: { idleMs: 1500 } });
    const response = await ask(server, "/chat/completions", { model: "m", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(504);
    const error = ((await response.json()) as { error: { message: string } }).error;
    expect(error.message).toContain("sent no bytes for 1500 ms after 5 bytes");
  });
});

/** Reads SSE blocks from a fetch response until `done` says stop; returns every block read. */
async function readEvents(response: Response, onBlock: (block: string) => void): Promise<string[]> {
  const blocks: string[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const piece of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(piece, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      blocks.push(block);
      onBlock(block);
    }
  }
  return blocks;
}

describe("shutdown (SIGTERM) with requests in flight", () => {
  it("ends each API's stream with a server_shutting_down error event and answers each API's waiting request 503, then exits", async () => {
    // Streams drip out slowly; a non-streamed request never gets an answer from the upstream.
    const double = await startOpenAIDouble({
      script: (request) => (request.body.stream ? { text: "word ".repeat(200), chunkSize: 5, delayMs: 100 } : { failure: { kind: "hang" } }),
    });
    const server = await gatewayFor(double, { server: { shutdownGraceMs: 500 } });
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });

    let chatChunks = 0;
    let chatStarted!: () => void;
    const chatStart = new Promise<void>((resolve) => (chatStarted = resolve));
    const chat = (async () => {
      const stream = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "talk" }], stream: true });
      try {
        for await (const _chunk of stream) {
          if (++chatChunks === 2) chatStarted();
        }
        return undefined;
      } catch (error) {
        return error;
      }
    })();

    const started = (name: string) => {
      let mark!: () => void;
      return { promise: new Promise<void>((resolve) => (mark = resolve)), mark, name };
    };
    const messagesStart = started("messages");
    const messagesResponse = await ask(server, "/messages", { model: "m", max_tokens: 100, messages: [{ role: "user", content: "talk" }], stream: true });
    const messages = readEvents(messagesResponse, (block) => block.includes("content_block_delta") && messagesStart.mark());
    const responsesStart = started("responses");
    const responsesResponse = await ask(server, "/responses", { model: "m", input: "talk", stream: true, store: false });
    const responses = readEvents(responsesResponse, (block) => block.includes("output_text.delta") && responsesStart.mark());
    const waiting = ask(server, "/chat/completions", { model: "m", messages: [{ role: "user", content: "wait" }] });
    const waitingMessage = ask(server, "/messages", { model: "m", max_tokens: 100, messages: [{ role: "user", content: "wait" }] });
    const waitingResponse = ask(server, "/responses", { model: "m", input: "wait", store: false });

    await Promise.all([chatStart, messagesStart.promise, responsesStart.promise]);
    await expect.poll(() => double.chatRequests().length).toBe(6);
    expect(await server.stop()).toBe(0);

    const chatError = (await chat) as InstanceType<typeof OpenAI.APIError>;
    expect(chatError).toBeInstanceOf(OpenAI.APIError);
    expect(chatError.message).toContain("shutting down");
    expect(chatError.code).toBe("server_shutting_down");

    const messageEvents = await messages;
    expect(messagesResponse.status).toBe(200);
    const lastMessage = messageEvents.at(-1)!;
    expect(lastMessage).toMatch(/^event: error\n/);
    expect(JSON.parse(lastMessage.split("data: ")[1]!)).toMatchObject({ type: "error", error: { type: "overloaded_error", message: expect.stringContaining("shutting down") } });

    const responseEvents = await responses;
    expect(responseEvents.some((block) => block.startsWith("event: error\n") && block.includes('"code":"server_shutting_down"'))).toBe(true);
    expect(responseEvents.at(-1)).toMatch(/^event: response\.failed\n/);

    const answer = await waiting;
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("server_shutting_down");
    const message = await waitingMessage;
    expect(message.status).toBe(503);
    expect(await message.json()).toMatchObject({ type: "error", error: { type: "overloaded_error", message: expect.stringContaining("shutting down") } });
    const response = await waitingResponse;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("server_shutting_down");

    // The log says what each client saw.
    const lines = server.logs().filter((line) => line.msg === "request" && line.shutdown === true);
    expect(lines.map((line) => line.path).sort()).toEqual([
      "/v1/chat/completions",
      "/v1/chat/completions",
      "/v1/messages",
      "/v1/messages",
      "/v1/responses",
      "/v1/responses",
    ]);
    expect(lines.filter((line) => line.clientSaw === "a 200 stream that ended with a server_shutting_down error event")).toHaveLength(3);
    expect(lines.filter((line) => line.clientSaw === "HTTP 503 server_shutting_down")).toHaveLength(3);
    expect(server.logs().some((line) => /ended the requests still running/.test(line.msg) && line.requests === 6)).toBe(true);
  }, 20_000);
});

describe("/health with an upstream that hangs", () => {
  it("answers at once from background probes; the banner waits for the probe and reports the provider down", async () => {
    const hanging = createServer(() => {});
    await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`;
    const close = async () => {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    };
    const server = await gatewayFor({ url, close });

    const started = performance.now();
    const response = await fetch(`${server.url}/health`);
    const body = (await response.json()) as { status: string; providers: Record<string, { status: string; ageMs?: number }> };
    expect(performance.now() - started).toBeLessThan(1000);
    expect(body.providers.up!.status).toMatch(/^(unknown|down)$/);
    await expect.poll(() => server.stderr(), { timeout: 12_000 }).toMatch(/provider: {2}up down/);
    const later = (await (await fetch(`${server.url}/health`)).json()) as typeof body;
    expect(later).toMatchObject({ status: "degraded", providers: { up: { status: "down", ageMs: expect.any(Number) } } });
  }, 20_000);
});
