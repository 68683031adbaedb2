import { randomUUID } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import { RequestLog } from "../logging/request-log.js";
import type { ServerEnv } from "./server-env.js";

// A client's own request id is kept when it is a plausible id, so logs on both sides line up.
const CLIENT_ID = /^[\w.:-]{1,128}$/;

/**
 * Gives each request an id (returned as `x-request-id`) and its log line, written when the response is done. A client
 * id that contains a configured secret is replaced rather than echoed (`redact` finds them).
 */
export function requestContext(logger: Logger, redact: (text: string) => string = (text) => text): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const plausible = incoming !== undefined && CLIENT_ID.test(incoming) && redact(incoming) === incoming;
    const requestId = plausible ? incoming : `req_${randomUUID().replace(/-/g, "")}`;
    const log = new RequestLog(logger, requestId, c.req.method, c.req.path);
    c.set("requestId", requestId);
    c.set("requestLog", log);
    await next();
    c.res.headers.set("x-request-id", requestId);
    if (c.req.method === "OPTIONS" || c.req.path === "/health") return;
    if (log.deferred) return;
    log.firstByte();
    log.write({ status: c.res.status });
  };
}
