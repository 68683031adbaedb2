import { createChunkSerializer } from "../chat/encode-chunk-json.js";
import { toToolshimError } from "../errors.js";
import { readBatches } from "./batch-iterator.js";

export interface ServerSentEventsOptions {
  /** Send a `: keep-alive` comment after this long without data (ms). Default 15000; 0 turns it off. */
  keepAliveMs?: number;
  /** End with `data: [DONE]` (Chat Completions). Default true. */
  done?: boolean;
}

/**
 * SSE framing for Chat Completions: `data: <json>\n\n` per chunk, comments as keep-alives (never a JSON event, which
 * strict clients would reject), `data: [DONE]` at the end. An error thrown by the iterator becomes
 * `data: {"error": …}` and closes the stream. Cancelling the stream (client gone) returns the iterator.
 *
 * Chunks that arrive together (a `BatchIterator` source hands over everything one upstream read produced) go out as
 * one piece of bytes: one enqueue, one encode, one socket write downstream, rather than one of each per chunk.
 */
export function toServerSentEvents(
  chunks: AsyncIterable<unknown>,
  options: ServerSentEventsOptions = {},
): ReadableStream<Uint8Array> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const done = options.done ?? true;
  const encoder = new TextEncoder();
  // Gives exactly JSON.stringify's text, without re-serialising a chunk's repeated envelope.
  const serialize = createChunkSerializer();
  const source = readBatches(chunks);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSent = 0;
  let closed = false;

  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string): void => {
    controller.enqueue(encoder.encode(text));
    // The keep-alive timer is not re-armed on every send (a timer per token adds up); when it fires, it looks at
    // how long ago the last send was and waits out the rest.
    if (keepAliveMs > 0) lastSent = performance.now();
  };
  const arm = (controller: ReadableStreamDefaultController<Uint8Array>, delayMs: number): void => {
    timer = setTimeout(() => {
      if (closed) return;
      const idle = performance.now() - lastSent;
      if (idle < keepAliveMs) return arm(controller, keepAliveMs - idle);
      // Only while the reader keeps up: a stalled reader needs no more queued comments.
      if ((controller.desiredSize ?? 0) > 0) send(controller, ": keep-alive\n\n");
      arm(controller, keepAliveMs);
    }, delayMs);
  };
  const close = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (keepAliveMs <= 0) return;
      lastSent = performance.now();
      arm(controller, keepAliveMs);
    },
    async pull(controller) {
      try {
        const batch = await source.next();
        if (closed) return;
        if (batch === undefined) {
          if (done) send(controller, "data: [DONE]\n\n");
          close(controller);
          return;
        }
        let text = "";
        for (const chunk of batch) text += `data: ${serialize(chunk)}\n\n`;
        send(controller, text);
      } catch (error) {
        if (closed) return;
        send(controller, `data: ${JSON.stringify(toToolshimError(error).toOpenAI())}\n\n`);
        close(controller);
      }
    },
    cancel() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      // Not awaited: a source stuck waiting for its upstream must not block the cancel; the request's abort signal
      // is what unblocks it, and the return then runs its cleanup.
      source.return().catch(() => {});
    },
  });
}
