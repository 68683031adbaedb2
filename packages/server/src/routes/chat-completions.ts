import { createChatCompletion, toServerSentEvents, type ChatCompletionChunk } from "@toolshim/core";
import type { Hono } from "hono";
import { coalesceStream } from "../http/coalesce-stream.js";
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
    const events = toServerSentEvents(chunks, { keepAliveMs: server.config.server.keepAliveMs });
    return new Response(coalesceStream(events), { headers: SSE_HEADERS });
  });
}

/**
 * Passes chunks through, noting the first one and how the stream ended (completed, failed or abandoned). A plain
 * iterator, not an async generator, because it sits on the path of every chunk.
 */
function observe(
  chunks: AsyncIterable<ChatCompletionChunk>,
  hooks: { first(): void; end(error?: unknown): void },
): AsyncIterableIterator<ChatCompletionChunk> {
  const iterator = chunks[Symbol.asyncIterator]();
  let seen = false;
  let ended = false;
  const end = (error?: unknown) => {
    if (ended) return;
    ended = true;
    hooks.end(error);
  };
  return {
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) end();
        else if (!seen) {
          seen = true;
          hooks.first();
        }
        return step;
      } catch (error) {
        end(error);
        throw error;
      }
    },
    async return(value?: unknown) {
      try {
        await iterator.return?.();
      } finally {
        end();
      }
      return { done: true, value: value as ChatCompletionChunk };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
