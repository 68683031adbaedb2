// The bench's tap: an HTTP proxy between the proxies under test and the upstream double that timestamps every
// upstream content chunk per stream (by the `[stream-K]` tag the double writes first), so each proxy's added latency
// per chunk can be computed from the client's arrival times.
import { Agent, createServer, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";

/** Starts the tap in front of `doubleUrl`; `records` maps a stream tag to [cumulative content length, ms][]. */
export async function startTimestampTap(doubleUrl) {
  const errors = [];
  const records = new Map();
  // A fresh connection per request to the double: reusing idle keep-alive sockets races with the double closing them,
  // which would show up as spurious upstream failures in whichever proxy happened to hit it.
  const noReuse = new Agent({ keepAlive: false });
  const tap = createServer((req, res) => {
    const upstream = httpRequest(
      { host: doubleUrl.hostname, port: doubleUrl.port, path: req.url, method: req.method, headers: req.headers, agent: noReuse },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        let buffer = "";
        let tag;
        let cumulative = 0;
        const streamRecords = [];
        up.on("data", (data) => {
          const now = performance.now();
          buffer += data;
          let end;
          while ((end = buffer.indexOf("\n\n")) !== -1) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (!event.startsWith("data: {")) continue;
            const content = JSON.parse(event.slice(6)).choices?.[0]?.delta?.content;
            if (!content) continue;
            tag ??= /^\[(stream-\d+)\]/.exec(content)?.[1];
            cumulative += content.length;
            streamRecords.push([cumulative, now]);
          }
          res.write(data);
        });
        up.on("end", () => {
          if (tag) records.set(tag, streamRecords);
          res.end();
        });
      },
    );
    upstream.on("error", (error) => {
      errors.push(`${req.method} ${req.url}: ${error.message}`);
      res.destroy();
    });
    req.pipe(upstream);
    res.on("close", () => upstream.destroy());
  });
  tap.keepAliveTimeout = 60_000;
  await new Promise((resolve) => tap.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${tap.address().port}/v1`, records, errors };
}
