// A second reference: the least any gateway that rewrites a stream must do per chunk, on the same stack as toolshim
// (hono + @hono/node-server, fetch upstream). It decodes the upstream's SSE into events, parses each chunk, and writes
// a freshly serialised OpenAI chunk carrying the delta's text through a web ReadableStream. No tool parsing, no
// validation, no prompt: the gap between it and the pass-through is what translating a stream costs by itself.
// Usage: node minimal-translator-proxy.mjs <upstream base URL ending in /v1>
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const target = process.argv[2];
const encoder = new TextEncoder();

/** The client's chunk for one upstream chunk: a new object, like a gateway that owns its output format builds. */
function rewrite(upstreamChunk, id, created, model) {
  const choice = upstreamChunk.choices?.[0];
  const content = choice?.delta?.content;
  return {
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta: content ? { content } : {}, finish_reason: choice?.finish_reason ?? null }],
  };
}

/** Splits the upstream's text into SSE events and rewrites each `data:` one; returns the client's SSE text. */
function translateEvents(events, meta) {
  let out = "";
  for (const event of events) {
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") out += "data: [DONE]\n\n";
      else out += `data: ${JSON.stringify(rewrite(JSON.parse(data), meta.id, meta.created, meta.model))}\n\n`;
    }
  }
  return out;
}

const app = new Hono();
app.post("/v1/chat/completions", async (c) => {
  const body = await c.req.json();
  const upstream = await fetch(`${target}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: c.req.raw.signal,
  });
  if (!upstream.ok || !upstream.body) return new Response(await upstream.text(), { status: upstream.status });
  const meta = { id: `chatcmpl-${crypto.randomUUID()}`, created: Math.floor(Date.now() / 1000), model: body.model };
  const reader = upstream.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const out = new ReadableStream({
    // Reads until a whole event arrived: a pull that enqueues nothing is not called again, and the stream would stall.
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        buffer += value;
        const events = buffer.split("\n\n");
        buffer = events.pop();
        const text = translateEvents(events, meta);
        if (text) {
          controller.enqueue(encoder.encode(text));
          return;
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Response(out, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
});
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => process.stdout.write(`http://127.0.0.1:${info.port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
