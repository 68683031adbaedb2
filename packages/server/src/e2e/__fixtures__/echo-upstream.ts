import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoUpstream {
  /** Base URL ending in /v1. */
  url: string;
  /** The headers of every chat request received. */
  received: IncomingMessage["headers"][];
  close(): Promise<void>;
}

/**
 * An OpenAI-compatible upstream as careless as real ones: its errors quote the credentials it was sent. A chat whose
 * last message says "fail-http" gets a 401 quoting the request's headers; "fail-stream" gets a stream that breaks with
 * an error event quoting them; anything else a short answer (streamed or not).
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const received: IncomingMessage["headers"][] = [];
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    `data: ${JSON.stringify({ id: "echo", object: "chat.completion.chunk", created: 1, model: "echo", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (piece: Buffer) => (raw += piece));
    req.on("end", () => {
      if (req.url?.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ object: "list", data: [{ id: "echo", object: "model", owned_by: "echo" }] }));
      }
      received.push(req.headers);
      const body = JSON.parse(raw) as { stream?: boolean; messages: { content: unknown }[] };
      const last = JSON.stringify(body.messages.at(-1)?.content ?? "");
      const quoted = `authorization was "${req.headers.authorization}", all headers: ${JSON.stringify(req.headers)}`;
      if (last.includes("fail-http")) {
        res.writeHead(401, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${quoted}`, type: "invalid_request_error", code: "invalid_api_key" } }));
      }
      if (body.stream) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(chunk({ role: "assistant", content: "" }));
        res.write(chunk({ content: "Hello from echo." }));
        if (last.includes("fail-stream")) return void res.end(`data: ${JSON.stringify({ error: { message: `stream broke: ${quoted}` } })}\n\n`);
        return void res.end(chunk({}, "stop") + "data: [DONE]\n\n");
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "echo",
          object: "chat.completion",
          created: 1,
          model: "echo",
          choices: [{ index: 0, message: { role: "assistant", content: "Hello from echo." }, finish_reason: "stop" }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
