import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { createGenericUpstream } from "./index.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("GenericStream: what an open stream keeps", () => {
  it("neither the request (the rendered prompt) nor the body sent upstream stays in memory while the answer streams", async () => {
    let received = 0;
    const server = createServer((req, res) => {
      req.on("data", (piece: Buffer) => (received += piece.length));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        // One token, then the stream stays open: a long answer still being written.
        res.write('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const upstream = createGenericUpstream({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, tools: "emulate" });
      const prompt = "a long conversation ".repeat(50_000); // 1 MB
      let request: UpstreamRequest | undefined = { model: "m", messages: [{ role: "user", content: prompt }], options: {} };
      const messages = new WeakRef(request.messages);
      gc();
      const before = process.memoryUsage().arrayBuffers;
      const iterator = upstream.stream(request, new AbortController().signal)[Symbol.asyncIterator]();
      request = undefined;
      const first = (await iterator.next()).value as UpstreamEvent;
      expect(first).toEqual({ type: "text", text: "Hel" });
      expect(received).toBeGreaterThan(1_000_000);

      gc();
      expect(messages.deref()).toBeUndefined();
      // fetch would otherwise keep a copy of the 1 MB body (to resend it on a redirect) until the response ends. The
      // garbage buffers (the encoded body, the test server's received pieces) are freed by V8's sweeper thread, which
      // lags on a loaded machine: settle for a bounded number of turns. A kept copy never settles below 1 MB.
      let kept = Number.POSITIVE_INFINITY;
      for (let turn = 0; turn < 50 && kept >= 256 * 1024; turn++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
        kept = process.memoryUsage().arrayBuffers - before;
      }
      expect(kept).toBeLessThan(256 * 1024);
      await iterator.return?.();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("aborting the caller's signal ends the upstream connection and the pending read, even after a full GC", async () => {
    // fetch holds its link to our AbortController weakly once the response flows: a GC used to cut it, and the
    // upstream then kept streaming to nobody.
    let upstreamClosed: () => void = () => {};
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write('data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n');
        res.on("close", upstreamClosed);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const upstream = createGenericUpstream({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, tools: "emulate" });
      const client = new AbortController();
      const iterator = upstream.stream({ model: "m", messages: [{ role: "user", content: "hi" }], options: {} }, client.signal)[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toEqual({ type: "text", text: "Hel" });
      const pending = iterator.next();
      gc();
      gc();
      const reason = new Error("the client went away");
      client.abort(reason);
      await expect(pending).rejects.toBe(reason);
      await closed;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
