/** An SSE event with an `event:` name, as the Responses and Anthropic streaming APIs send them. */
export interface NamedEvent {
  event: string;
  data: unknown;
}

export interface NamedEventStreamOptions {
  /** Send `keepAlive` after this long without an event (0 or absent: never). */
  keepAliveMs?: number;
  /** The raw SSE text of one keep-alive; default a comment line, which every SSE parser skips. */
  keepAlive?: string;
}

const KEEP_ALIVE = Symbol("keep-alive");

/**
 * `event: <name>\ndata: <json>\n\n` per event, keep-alives while the source is quiet, no `[DONE]`. The source is
 * expected to turn its own failures into error events; if it throws anyway the stream just ends. Cancelling the
 * stream (the client went away) returns the source iterator, which releases the upstream.
 */
export function toNamedEventStream(events: AsyncIterable<NamedEvent>, options: NamedEventStreamOptions = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = events[Symbol.asyncIterator]();
  const keepAlive = encoder.encode(options.keepAlive ?? ": keep-alive\n\n");
  let pending: Promise<IteratorResult<NamedEvent>> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      pending ??= iterator.next();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const quiet =
        options.keepAliveMs && options.keepAliveMs > 0
          ? new Promise<typeof KEEP_ALIVE>((resolve) => {
              timer = setTimeout(() => resolve(KEEP_ALIVE), options.keepAliveMs);
            })
          : undefined;
      try {
        const result = quiet ? await Promise.race([pending, quiet]) : await pending;
        if (result === KEEP_ALIVE) {
          controller.enqueue(keepAlive);
          return;
        }
        pending = undefined;
        if (result.done) controller.close();
        else controller.enqueue(encoder.encode(`event: ${result.value.event}\ndata: ${JSON.stringify(result.value.data)}\n\n`));
      } catch {
        controller.close();
      } finally {
        clearTimeout(timer);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
