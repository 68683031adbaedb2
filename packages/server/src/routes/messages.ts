import { type AnthropicStreamEvent, countMessageTokens, createMessage, type NamedEvent, toAnthropicError } from "@toolshim/core";
import type { Hono } from "hono";
import type { ErrorRenderer } from "../http/error-response.js";
import { retryHeaders } from "../http/error-response.js";
import { readJsonBody } from "../http/read-json-body.js";
import type { ServerEnv } from "../http/server-env.js";
import { frameNamedEvents, sseResponse } from "../http/sse-response.js";
import type { RequestLog } from "../logging/request-log.js";
import { callEngine, statsFields, type ServerContext } from "../server-context.js";
import { SSE_HEADERS } from "./chat-completions.js";

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';

/** Anthropic's error body with the error's status, for everything under the Messages paths (auth failures included). */
const renderAnthropicError: ErrorRenderer = (error, requestId) => {
  const { status, body } = toAnthropicError(error, requestId);
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...retryHeaders(error) } });
};

/**
 * `POST /messages` (Anthropic Messages, streamed or not, through the engine) and `POST /messages/count_tokens`.
 * The Anthropic SDK's beta methods add `?beta=true`, which changes nothing here.
 */
export function registerMessages(api: Hono<ServerEnv>, server: ServerContext): void {
  server.errorRenderers.push({ prefix: "/v1/messages", render: renderAnthropicError }, { prefix: "/messages", render: renderAnthropicError });

  api.post("/messages", async (c) => {
    const body = await readJsonBody(c);
    const log = c.get("requestLog");
    const { call, result } = await callEngine(server, c, body, (context) => createMessage(body, context));
    if (!result.stream) {
      log.set(statsFields(result.stats));
      return c.json(result.message);
    }

    const { stats } = result;
    log.deferred = true;
    const events = named(result.events, log, (aborted) =>
      log.write({ status: 200, ...statsFields(stats), ...call.upstreamFields(), ...(aborted ? { clientAborted: true } : {}) }),
    );
    // Anthropic's own keep-alive is a `ping` event, which its SDK skips.
    return sseResponse({ source: events, frame: frameNamedEvents, keepAliveMs: server.config.server.keepAliveMs, keepAlive: PING }, SSE_HEADERS);
  });

  api.post("/messages/count_tokens", async (c) => {
    const body = await readJsonBody(c);
    // Validates the model like a real call would, so a typo shows here rather than on the next request.
    server.catalog.resolve(body.model);
    return c.json(countMessageTokens(body));
  });
}

/** Messages events as named SSE events, noting the first byte, errors and the end in the log. */
async function* named(events: AsyncIterable<AnthropicStreamEvent>, log: RequestLog, end: (aborted: boolean) => void): AsyncGenerator<NamedEvent> {
  let finished = false;
  try {
    for await (const event of events) {
      log.firstByte();
      if (event.type === "message_stop" || event.type === "error") finished = true;
      if (event.type === "error") log.set({ error: (event.error as { message?: string }).message });
      yield { event: event.type, data: event };
    }
  } finally {
    end(!finished);
  }
}
