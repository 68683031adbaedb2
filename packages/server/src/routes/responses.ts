import { createResponse, type NamedEvent, type ResponseStreamEvent, type ResponsesResolver, ToolshimError } from "@toolshim/core";
import type { Hono } from "hono";
import type { Logger } from "pino";
import { readJsonBody } from "../http/read-json-body.js";
import type { ServerEnv } from "../http/server-env.js";
import { frameNamedEvents, sseResponse } from "../http/sse-response.js";
import type { RequestLog } from "../logging/request-log.js";
import { callEngine, statsFields, type ServerContext } from "../server-context.js";
import { openResponseStore } from "../storage/open-response-store.js";
import { conversationItems, type ResponseStore, type StoredResponse } from "../storage/response-store.js";
import { SSE_HEADERS } from "./chat-completions.js";

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * `POST /responses` (OpenAI Responses, streamed or not, through the engine), `GET /responses/{id}` and
 * `DELETE /responses/{id}`. The store opens on first use, so a server nobody asks for Responses never touches disk.
 */
export function registerResponses(api: Hono<ServerEnv>, server: ServerContext, shared?: ResponseStore): void {
  let store: ResponseStore | undefined = shared;
  const responses = (): ResponseStore => (store ??= openResponseStore(server.config.storage));
  const resolver: ResponsesResolver = {
    resolveItem: (id) => responses().getItem(id),
    resolveResponse: async (id) => {
      const chain = await responses().chain(id);
      return chain && conversationItems(chain);
    },
  };

  api.post("/responses", async (c) => {
    const body = await readJsonBody(c);
    const log = c.get("requestLog");
    const { call, result } = await callEngine(server, c, body, (context) => {
      // A store that cannot open fails the request before the upstream does any work.
      if (body.store !== false) responses().ready?.();
      return createResponse(body, context, resolver, { unsupportedTools: server.config.responses?.unsupportedTools ?? "ignore" });
    });
    log.set({ responseId: result.response.id, ignoredTools: result.ignoredTools.length ? result.ignoredTools : undefined });

    if (!result.stream) {
      log.set(statsFields(result.stats));
      if (result.store) await keep(responses(), { response: result.response, input: result.input }, server.logger);
      return c.json(result.response);
    }

    const { stats } = result;
    const record: StoredResponse | undefined = result.store ? { response: result.response, input: result.input } : undefined;
    log.deferred = true;
    const events = named(result.events, log, {
      // The terminal event carries the full response: keep it before the client sees it, so a request chained on it
      // right after cannot miss it.
      terminal: async () => {
        if (record) await keep(responses(), record, server.logger);
      },
      end: (aborted) => log.write({ status: 200, ...statsFields(stats), ...call.upstreamFields(), ...(aborted ? { clientAborted: true } : {}) }),
    });
    return sseResponse({ source: events, frame: frameNamedEvents, keepAliveMs: server.config.server.keepAliveMs, keepAlive: ": keep-alive\n\n" }, SSE_HEADERS);
  });

  api.get("/responses/:id", async (c) => {
    const id = c.req.param("id");
    const found = await responses().get(id);
    if (!found) throw notFound(id);
    return c.json(found.response);
  });

  api.delete("/responses/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await responses().delete(id))) throw notFound(id);
    return c.json({ id, object: "response", deleted: true });
  });
}

/** Responses events as named SSE events, noting the first byte, the terminal event and the end in the log. */
async function* named(
  events: AsyncIterable<ResponseStreamEvent>,
  log: RequestLog,
  hooks: { terminal(): Promise<void>; end(aborted: boolean): void },
): AsyncGenerator<NamedEvent> {
  let finished = false;
  try {
    for await (const event of events) {
      log.firstByte();
      if (TERMINAL.has(event.type)) {
        finished = true;
        if (event.type === "response.failed") log.set({ error: (event.response as { error?: { message?: string } }).error?.message });
        await hooks.terminal();
      }
      yield { event: event.type, data: event };
    }
  } finally {
    hooks.end(!finished);
  }
}

async function keep(store: ResponseStore, record: StoredResponse, logger: Logger): Promise<void> {
  try {
    await store.put(record);
  } catch (error) {
    // The client already has its answer; losing the stored copy only breaks later chaining, which reports it.
    logger.error({ err: error, responseId: record.response.id }, "could not store the response");
  }
}

function notFound(id: string): ToolshimError {
  return new ToolshimError(
    `Response with id '${id}' not found: it was never stored here, was created with store: false, has expired or was deleted.`,
    { status: 404, type: "invalid_request_error", param: "response_id", code: "response_not_found" },
  );
}
