import { createServer, IncomingMessage, request, type Server, ServerResponse } from "node:http";
import { type AddressInfo, Socket } from "node:net";
import { BatchSource, type BatchIterator } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { sendDirect, sseResponse, type SseStream } from "./sse-response.js";

/** Hands out the batches the test releases; records how often it was asked and whether it was returned. */
class Gate extends BatchSource<string> {
  pulls = 0;
  returned = false;
  #waiting: { resolve: (batch: string[] | undefined) => void; reject: (error: unknown) => void } | undefined;
  #queued: Array<string[] | undefined | Error> = [];
  release(batch: string[] | undefined | Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (!waiting) this.#queued.push(batch);
    else if (batch instanceof Error) waiting.reject(batch);
    else waiting.resolve(batch);
  }
  protected pull(): Promise<string[] | undefined> {
    this.pulls++;
    if (this.#queued.length > 0) {
      const next = this.#queued.shift();
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    }
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }
  protected close(): void {
    this.returned = true;
    this.release(undefined);
  }
}

type Ends = { error?: unknown; aborted: boolean }[];

function stream(source: BatchIterator<string>, ends: Ends, extra: Partial<SseStream<string>> = {}): SseStream<string> {
  return {
    source,
    frame: (batch) => batch.map((item) => `data: ${item}\n\n`).join(""),
    last: "data: [DONE]\n\n",
    failure: (error) => `data: {"error":${JSON.stringify(String(error))}}\n\n`,
    keepAliveMs: 0,
    keepAlive: ": keep-alive\n\n",
    onEnd: (end) => ends.push(end),
    ...extra,
  };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A Node server whose one route writes `make()`'s response directly, as serve.ts does. */
async function serveDirect(make: () => Response): Promise<{ url: string; direct: boolean[] }> {
  const direct: boolean[] = [];
  server = createServer((_, res) => {
    const response = make();
    response.headers.set("x-added-by-middleware", "yes");
    direct.push(sendDirect(response, res));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, direct };
}

function get(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => request(url, resolve).on("error", reject).end());
}

async function text(response: IncomingMessage): Promise<string> {
  let body = "";
  for await (const piece of response) body += piece;
  return body;
}

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

describe("sseResponse written directly to Node's response", () => {
  it("writes each batch as it comes, then the last text, with the headers the middlewares left", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const { url, direct } = await serveDirect(() => sseResponse(stream(gate, ends), { "content-type": "text/event-stream" }));
    gate.release(["a", "b"]);
    const response = await get(url);
    expect(direct).toEqual([true]);
    expect(response.headers["x-added-by-middleware"]).toBe("yes");
    expect(response.headers["content-type"]).toBe("text/event-stream");
    const first = await new Promise<string>((resolve) => response.once("data", (piece: Buffer) => resolve(piece.toString())));
    expect(first).toBe("data: a\n\ndata: b\n\n");
    gate.release(["c"]);
    gate.release(undefined);
    expect(await text(response)).toBe("data: c\n\ndata: [DONE]\n\n");
    expect(ends).toEqual([{ aborted: false }]);
  });

  it("ends with the failure's text when the source fails after the start", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const { url } = await serveDirect(() => sseResponse(stream(gate, ends), {}));
    gate.release(["a"]);
    gate.release(new Error("upstream went away"));
    expect(await text(await get(url))).toBe('data: a\n\ndata: {"error":"Error: upstream went away"}\n\n');
    expect(ends).toHaveLength(1);
    expect(String(ends[0]?.error)).toContain("upstream went away");
  });

  it("returns the source when the client goes away, and reports the stream as abandoned", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const { url } = await serveDirect(() => sseResponse(stream(gate, ends), {}));
    gate.release(["a"]);
    const response = await get(url);
    await new Promise((resolve) => response.once("data", resolve));
    response.destroy();
    await until(() => gate.returned);
    expect(ends).toEqual([{ aborted: true }]);
  });

  it("does not read the source again while the socket has not taken what was written", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const big = "x".repeat(1 << 20);
    const { url } = await serveDirect(() => sseResponse(stream(gate, ends), {}));
    for (let i = 0; i < 20; i++) gate.release([big]);
    const response = await get(url);
    response.pause();
    // The client reads nothing: a few megabytes fill the socket buffers, then the pump waits for "drain".
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pullsWhilePaused = gate.pulls;
    expect(pullsWhilePaused).toBeLessThan(20);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(gate.pulls).toBe(pullsWhilePaused);
    gate.release(undefined);
    response.resume();
    const body = await text(response);
    expect(body.length).toBeGreaterThan(0);
    await until(() => ends.length === 1);
    expect(gate.pulls).toBeGreaterThanOrEqual(20);
  });

  it("sends keep-alive comments while the source is quiet", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const { url } = await serveDirect(() => sseResponse(stream(gate, ends, { keepAliveMs: 30 }), {}));
    gate.release(["a"]);
    const response = await get(url);
    let body = "";
    response.on("data", (piece: Buffer) => (body += piece.toString()));
    await until(() => body.includes(": keep-alive\n\n"));
    gate.release(undefined);
    await new Promise((resolve) => response.once("end", resolve));
    expect(body.startsWith("data: a\n\n: keep-alive\n\n")).toBe(true);
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
  });
});

describe("sseResponse as a web stream", () => {
  it("reads nothing until its body is read, then gives the same text; a body read elsewhere is not written directly", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const response = sseResponse(stream(gate, ends), {});
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(gate.pulls).toBe(0);
    gate.release(["a"]);
    gate.release(["b"]);
    gate.release(undefined);
    expect(await response.text()).toBe("data: a\n\ndata: b\n\ndata: [DONE]\n\n");
    expect(ends).toEqual([{ aborted: false }]);
    expect(sendDirect(response, new ServerResponse(new IncomingMessage(new Socket())))).toBe(false);
  });

  it("returns the source when the body is cancelled", async () => {
    const gate = new Gate();
    const ends: Ends = [];
    const response = sseResponse(stream(gate, ends), {});
    gate.release(["a"]);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    expect(gate.returned).toBe(true);
    expect(ends).toEqual([{ aborted: true }]);
  });
});
