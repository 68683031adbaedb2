// The baseline: a plain pass-through proxy on the same stack as toolshim (hono + @hono/node-server), piping the
// upstream's SSE body to the client untouched. Usage: node passthrough-proxy.mjs <upstream base URL ending in /v1>
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const target = process.argv[2];
const app = new Hono();
app.post("/v1/chat/completions", async (c) => {
  const upstream = await fetch(`${target}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: await c.req.text(),
    signal: c.req.raw.signal,
  });
  return new Response(upstream.body, {
    status: upstream.status,
    headers: { "content-type": upstream.headers.get("content-type") ?? "application/json", "cache-control": "no-cache" },
  });
});
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => process.stdout.write(`http://127.0.0.1:${info.port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
