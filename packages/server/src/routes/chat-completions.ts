import { BatchSource, createChatCompletion, readBatches, toServerSentEvents, type BatchReader, type ChatCompletionChunk } from "@toolshim/core";
import type { Hono } from "hono";
import { coalesceBatches } from "../http/coalesce-batches.js";
import { readJsonBody } from "../http/read-json-body.js";
import type { ServerEnv } from "../http/server-env.js";
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
    // Chunks that become ready in the same turn of the event loop go out as one write.
    const events = toServerSentEvents(coalesceBatches(chunks), { keepAliveMs: server.config.server.keepAliveMs });
    return new Response(events, { headers: SSE_HEADERS });
  });
}

/**
 * Passes chunks through, noting the first one and how the stream ended (completed, failed or abandoned). A batch
 * iterator, not an async generator, because it sits on the path of every chunk: batches go through whole.
 */
function observe(
  chunks: AsyncIterable<ChatCompletionChunk>,
  hooks: { first(): void; end(error?: unknown): void },
): AsyncIterableIterator<ChatCompletionChunk> {
  return new ObservedChunks(readBatches(chunks), hooks);
}

class ObservedChunks extends BatchSource<ChatCompletionChunk> {
  private seen = false;
  private ended = false;

  constructor(
    private readonly source: BatchReader<ChatCompletionChunk>,
    private readonly hooks: { first(): void; end(error?: unknown): void },
  ) {
    super();
  }

  protected async pull(): Promise<ChatCompletionChunk[] | undefined> {
    try {
      const batch = await this.source.next();
      if (batch === undefined) this.end();
      else if (!this.seen) {
        this.seen = true;
        this.hooks.first();
      }
      return batch;
    } catch (error) {
      this.end(error);
      throw error;
    }
  }

  protected async close(): Promise<void> {
    try {
      await this.source.return();
    } finally {
      this.end();
    }
  }

  private end(error?: unknown) {
    if (this.ended) return;
    this.ended = true;
    this.hooks.end(error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
