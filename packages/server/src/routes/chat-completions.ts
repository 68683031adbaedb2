import { createChatCompletion, toServerSentEvents, type ChatCompletionChunk } from "@toolshim/core";
import type { Hono } from "hono";
import { readJsonBody } from "../http/read-json-body.js";
import type { ServerEnv } from "../http/server-env.js";
import { statsFields, type ServerContext } from "../server-context.js";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // nginx and similar proxies buffer responses unless told not to, which would hold tokens back.
  "x-accel-buffering": "no",
};

/** `POST /chat/completions`: OpenAI Chat Completions, streamed or not, through the engine. */
export function registerChatCompletions(api: Hono<ServerEnv>, server: ServerContext): void {
  api.post("/chat/completions", async (c) => {
    const body = await readJsonBody(c);
    const log = c.get("requestLog");
    log.set({ stream: body.stream === true });
    const call = await server.prepareCall(c, body.model);

    let result;
    try {
      result = await createChatCompletion(body, call.context);
    } finally {
      log.set(call.upstreamFields());
    }

    if (!result.stream) {
      log.set(statsFields(result.stats));
      return c.json(result.response);
    }

    const { stats } = result;
    log.deferred = true;
    const chunks = observe(result.chunks, {
      first: () => log.firstByte(),
      end: (error) => {
        log.write({
          status: 200,
          ...statsFields(stats),
          ...call.upstreamFields(),
          ...(error === undefined ? {} : { error: describe(error), errorCode: (error as { code?: unknown }).code ?? undefined }),
        });
      },
    });
    return new Response(toServerSentEvents(chunks, { keepAliveMs: server.config.server.keepAliveMs }), { headers: SSE_HEADERS });
  });
}

/** Passes chunks through, noting the first one and how the stream ended (completed, failed or abandoned). */
async function* observe(
  chunks: AsyncIterable<ChatCompletionChunk>,
  hooks: { first(): void; end(error?: unknown): void },
): AsyncGenerator<ChatCompletionChunk> {
  let error: unknown;
  let seen = false;
  try {
    for await (const chunk of chunks) {
      if (!seen) {
        seen = true;
        hooks.first();
      }
      yield chunk;
    }
  } catch (thrown) {
    error = thrown;
    throw thrown;
  } finally {
    hooks.end(error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
