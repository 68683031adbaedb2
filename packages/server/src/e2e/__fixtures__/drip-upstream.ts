import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface DripUpstream {
  /** Base URL ending in /v1. */
  url: string;
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream that answers every chat request with a valid SSE stream written one byte at a time,
 * `intervalMs` apart, stopping for good after `stopAfterBytes` (if given) while keeping the connection open. It is
 * the upstream a byte-based timeout must call slow rather than silent, and one that really does go silent.
 */
export async function startDripUpstream(options: { intervalMs: number; stopAfterBytes?: number }): Promise<DripUpstream> {
  const chunk = (content: string) => `data: ${JSON.stringify({ id: "drip", object: "chat.completion.chunk", created: 1, model: "drip", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const body = Buffer.from(chunk("Slowly ") + chunk("but surely.") + "data: [DONE]\n\n");
  const timers = new Set<ReturnType<typeof setInterval>>();

  const drip = (res: ServerResponse) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    let sent = 0;
    const timer = setInterval(() => {
      const limit = Math.min(body.length, options.stopAfterBytes ?? body.length);
      if (res.destroyed || sent >= limit) {
        clearInterval(timer);
        timers.delete(timer);
        if (sent >= body.length) res.end();
        return;
      }
      res.write(body.subarray(sent, ++sent));
    }, options.intervalMs);
    timers.add(timer);
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url?.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "drip", object: "model", owned_by: "drip" }] }));
      } else drip(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
