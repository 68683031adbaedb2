import type { MiddlewareHandler } from "hono";

// Headers a browser may read: ids to report problems with, and the retry hints SDKs honour.
const EXPOSED = "x-request-id, retry-after, x-should-retry";

/**
 * CORS for browser clients (LobeChat's client mode, Electron renderers, web playgrounds). Preflights are answered
 * here, before authentication, because browsers never send credentials on them. Requested headers are echoed back
 * rather than matched against a list: SDKs send families of headers (`x-stainless-*`, `anthropic-*`, OpenRouter's
 * `http-referer`/`x-title`) and the origin check is what protects the server.
 */
export function cors(origins: readonly string[]): MiddlewareHandler {
  const any = origins.includes("*");
  const allowed = new Set(origins);
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (!origin || !(any || allowed.has(origin))) {
      await next();
      return;
    }
    const allowOrigin = any ? "*" : origin;
    if (c.req.method === "OPTIONS" && c.req.header("access-control-request-method")) {
      const headers: Record<string, string> = {
        "access-control-allow-origin": allowOrigin,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-max-age": "86400",
        vary: "Origin, Access-Control-Request-Headers",
      };
      const requested = c.req.header("access-control-request-headers");
      if (requested) headers["access-control-allow-headers"] = requested;
      return new Response(null, { status: 204, headers });
    }
    await next();
    c.res.headers.set("access-control-allow-origin", allowOrigin);
    c.res.headers.set("access-control-expose-headers", EXPOSED);
    if (!any) c.res.headers.append("vary", "Origin");
  };
}
