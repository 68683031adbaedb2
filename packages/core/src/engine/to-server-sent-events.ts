import { toToolshimError } from "../errors.js";

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
 */
export function toServerSentEvents(
  chunks: AsyncIterable<unknown>,
  options: ServerSentEventsOptions = {},
): ReadableStream<Uint8Array> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const done = options.done ?? true;
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string): void => {
    controller.enqueue(encoder.encode(text));
    arm(controller);
  };
  const arm = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    disarm();
    if (keepAliveMs <= 0 || closed) return;
    timer = setTimeout(() => {
      if (closed) return;
      // Only while the reader keeps up: a stalled reader needs no more queued comments.
      if ((controller.desiredSize ?? 0) > 0) send(controller, ": keep-alive\n\n");
      else arm(controller);
    }, keepAliveMs);
  };
  const close = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    closed = true;
    disarm();
    controller.close();
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      arm(controller);
    },
    async pull(controller) {
      try {
        const result = await iterator.next();
        if (closed) return;
        if (result.done) {
          if (done) send(controller, "data: [DONE]\n\n");
          close(controller);
        } else {
          send(controller, `data: ${JSON.stringify(result.value)}\n\n`);
        }
      } catch (error) {
        if (closed) return;
        send(controller, `data: ${JSON.stringify(toToolshimError(error).toOpenAI())}\n\n`);
        close(controller);
      }
    },
    cancel() {
      closed = true;
      disarm();
      // Not awaited: a source stuck waiting for its upstream must not block the cancel; the request's abort signal
      // is what unblocks it, and the return then runs its cleanup.
      Promise.resolve(iterator.return?.()).catch(() => {});
    },
  });
}
