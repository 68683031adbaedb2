import { createHash, timingSafeEqual } from "node:crypto";
import { ToolshimError } from "@toolshim/core";
import type { MiddlewareHandler } from "hono";

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Requires one of `keys` as `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic SDK).
 * Keys are compared as SHA-256 digests with a constant-time comparison, and every key is checked, so neither the
 * length nor the position of a matching key shows in the response time.
 */
export function authenticate(keys: readonly string[]): MiddlewareHandler {
  const expected = keys.map(digest);
  return async (c, next) => {
    const bearer = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim();
    const presented = bearer ?? c.req.header("x-api-key")?.trim();
    if (!presented) {
      throw new ToolshimError(
        "Missing API key. Send it as 'Authorization: Bearer <key>' or as an 'x-api-key' header.",
        { status: 401, type: "invalid_request_error", code: "missing_api_key" },
      );
    }
    const actual = digest(presented);
    let matched = false;
    for (const key of expected) matched = timingSafeEqual(actual, key) || matched;
    if (!matched) {
      throw new ToolshimError("Incorrect API key provided.", { status: 401, type: "invalid_request_error", code: "invalid_api_key" });
    }
    await next();
  };
}
