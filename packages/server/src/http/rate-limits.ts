import { createHash } from "node:crypto";
import { ToolshimError } from "@toolshim/core";
import { claimSlot, type ProviderState } from "@toolshim/core/provider-utils";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { ServerConfig } from "../config/config-schema.js";
import type { ServerEnv } from "./server-env.js";

type NamedKey = ServerConfig["keys"][number];

const MINUTE_MS = 60_000;
/** A concurrency slot of an instance that died frees itself after this long (renewed every third while held). */
const STREAM_SLOT_TTL_MS = 15_000;

const digest = (value: string) => createHash("sha256").update(value).digest("hex");

/**
 * Per-key limits of `server.keys`, counted in `state` (Redis: every instance counts together). Runs after
 * authentication, so the key is known to be valid; keys without limits cost one map lookup. Requests and tokens are
 * counted in fixed one-minute windows; tokens are added when a request ends, so one request may overshoot.
 */
export function rateLimits(keys: readonly NamedKey[], state: ProviderState, logger: Logger, now: () => number = Date.now): MiddlewareHandler<ServerEnv> {
  const limited = new Map(keys.filter((key) => key.requestsPerMinute ?? key.tokensPerMinute ?? key.concurrentStreams).map((key) => [digest(key.key), key]));
  return async (c, next) => {
    const presented = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1]?.trim() ?? c.req.header("x-api-key")?.trim();
    const key = presented === undefined ? undefined : limited.get(digest(presented));
    if (!key) return next();
    const at = now();
    const window = Math.floor(at / MINUTE_MS);
    const untilNextWindow = Math.ceil(((window + 1) * MINUTE_MS - at) / 1000);
    const base = `ratelimit:${key.name}`;

    if (key.requestsPerMinute !== undefined) {
      const count = await state.increment(`${base}:requests:${window}`, 1, { ttlMs: 2 * MINUTE_MS });
      if (count > key.requestsPerMinute) throw limitError(`${key.requestsPerMinute} requests per minute`, key.name, untilNextWindow);
    }
    const tokensKey = `${base}:tokens:${window}`;
    if (key.tokensPerMinute !== undefined && ((await state.get<number>(tokensKey)) ?? 0) >= key.tokensPerMinute) {
      throw limitError(`${key.tokensPerMinute} tokens per minute`, key.name, untilNextWindow);
    }
    const release = key.concurrentStreams === undefined ? undefined : await claimSlot(state, `${base}:streams`, key.concurrentStreams, STREAM_SLOT_TTL_MS);
    if (key.concurrentStreams !== undefined && !release) throw limitError(`${key.concurrentStreams} concurrent requests`, key.name, 1);

    c.get("requestLog").onFinish((fields) => {
      release?.();
      const tokens = Number(fields.inputTokens ?? 0) + Number(fields.outputTokens ?? 0);
      if (key.tokensPerMinute === undefined || !(tokens > 0)) return;
      state.increment(tokensKey, tokens, { ttlMs: 2 * MINUTE_MS }).catch((error: unknown) => {
        logger.warn({ err: error, key: key.name }, "could not count the request's tokens against its key's limit");
      });
    });
    await next();
  };
}

function limitError(limit: string, name: string, retryAfter: number): ToolshimError {
  const error = new ToolshimError(`The API key "${name}" is limited to ${limit} (server.keys); retry in ${retryAfter} s.`, {
    status: 429,
    type: "rate_limit_error",
    code: "rate_limit_exceeded",
  });
  // The error renderers send it as the retry-after header.
  return Object.assign(error, { retryAfter, retryable: true });
}
