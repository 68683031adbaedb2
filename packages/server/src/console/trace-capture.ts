import type { MiddlewareHandler } from "hono";
import type { ServerEnv } from "../http/server-env.js";
import type { RequestTrace } from "./request-trace.js";
import type { TraceStore } from "./trace-store.js";

export const TRACE_HEADER = "x-toolshim-trace-id";

/** The engine-backed routes, under /v1 or at the root. */
const TRACED = /^(?:\/v1)?\/(chat\/completions|responses|messages)$/;

/**
 * Registered only when the console is on: opens a trace for each engine-backed request (prepareCall hands it to the
 * engine), records the client's request, and copies the response, or the stream as it is sent, into the trace.
 */
export function traceCapture(store: TraceStore): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const match = c.req.method === "POST" ? TRACED.exec(c.req.path) : null;
    if (!match) return next();
    const trace = store.begin(match[1]!, false);
    c.set("trace", trace);
    await next();
    trace.setRequest(c.req.raw.headers, await c.req.text().catch(() => ""));
    trace.summary.stream = /"stream"\s*:\s*true/.test(trace.request.body);
    const response = c.res;
    const headers = new Headers(response.headers);
    headers.set(TRACE_HEADER, trace.summary.id);
    trace.setResponseHead(response.status, headers);
    if (!response.body || !headers.get("content-type")?.startsWith("text/event-stream")) {
      trace.appendResponse(await response.clone().text());
      trace.finish();
      c.res = new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      return;
    }
    c.res = new Response(copyInto(response.body, trace), { status: response.status, statusText: response.statusText, headers });
  };
}

/** Passes a stream's bytes on unchanged, copying them as text into the trace; the trace finishes with the stream. */
function copyInto(body: ReadableStream<Uint8Array>, trace: RequestTrace): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            trace.finish();
            controller.close();
            return;
          }
          trace.appendResponse(decoder.decode(value, { stream: true }));
          controller.enqueue(value);
        } catch (error) {
          trace.finish();
          controller.error(error);
        }
      },
      cancel(reason) {
        trace.finish();
        return reader.cancel(reason);
      },
    },
    // Read only when the client reads: no extra buffering between the route and the socket.
    { highWaterMark: 0 },
  );
}
