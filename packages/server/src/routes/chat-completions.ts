import { createChatCompletion, createChunkSerializer, toToolshimError } from "@toolshim/core";
import type { Hono } from "hono";
import { readJsonBody } from "../http/read-json-body.js";
import type { ServerEnv } from "../http/server-env.js";
import { sseResponse } from "../http/sse-response.js";
import { callEngine, statsFields, type ServerContext } from "../server-context.js";

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
    const { call, result } = await callEngine(server, c, body, (context) => createChatCompletion(body, context));

    if (!result.stream) {
      log.set(statsFields(result.stats));
      return c.json(result.response);
    }

    const { stats } = result;
    log.deferred = true;
    // Gives exactly JSON.stringify's text, without re-serialising a chunk's repeated envelope.
    const serialize = createChunkSerializer();
    return sseResponse(
      {
        source: result.chunks,
        frame: (batch) => {
          let text = "";
          for (const chunk of batch) text += `data: ${serialize(chunk)}\n\n`;
          return text;
        },
        last: "data: [DONE]\n\n",
        failure: (error) => `data: ${JSON.stringify(toToolshimError(error).toOpenAI())}\n\n`,
        keepAliveMs: server.config.server.keepAliveMs,
        keepAlive: ": keep-alive\n\n",
        onFirst: () => log.firstByte(),
        onEnd: ({ error }) =>
          log.write({
            status: 200,
            ...statsFields(stats),
            ...call.upstreamFields(),
            ...(error === undefined ? {} : { error: describe(error), errorCode: (error as { code?: unknown }).code ?? undefined }),
          }),
      },
      SSE_HEADERS,
    );
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
