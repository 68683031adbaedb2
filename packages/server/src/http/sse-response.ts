import { ServerResponse } from "node:http";
import { readBatches, type BatchReader } from "@toolshim/core";

/** What a streaming route sends: its items, how they become SSE text, and what it wants to know about the stream. */
export interface SseStream<T> {
  source: AsyncIterable<T>;
  /** The SSE text of one batch of items (everything one upstream read produced). */
  frame(batch: readonly T[]): string;
  /** SSE text after the last item (Chat Completions' `data: [DONE]`). */
  last?: string;
  /** SSE text for a failure the source throws after the stream started; without it the stream just ends. */
  failure?(error: unknown): string;
  /** Send `keepAlive` after this long without data (ms); 0 turns it off. */
  keepAliveMs: number;
  keepAlive: string;
  /** The first batch is about to be sent. */
  onFirst?(): void;
  /** Called once: the source ended (`error` when it failed), or the client went away first (`aborted`). */
  onEnd?(end: { error?: unknown; aborted: boolean }): void;
}

/** An SSE event with an `event:` name (Responses, Anthropic Messages), as the named routes hand them over. */
export interface NamedSseEvent {
  event: string;
  data: unknown;
}

/** `event: <name>\ndata: <json>\n\n` for each event of a batch. */
export function frameNamedEvents(batch: readonly NamedSseEvent[]): string {
  let text = "";
  for (const { event, data } of batch) text += `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  return text;
}

/** Responses whose stream may be written to Node's response directly (see `sendDirect`). */
const pumps = new WeakMap<Response, SsePump<unknown>>();

/**
 * A `text/event-stream` response. Its body is a web stream read only on demand, which is what `app.request` and any
 * middleware that wraps the body (the console's trace capture) get. Served by Node, `sendDirect` writes the same
 * stream to the socket instead: one `write` per batch of the source, strings encoded by Node, no web-stream layers
 * (each costs promise hops and a copy per upstream read).
 */
export function sseResponse<T>(stream: SseStream<T>, headers: Record<string, string>): Response {
  const pump = new SsePump(stream);
  const response = new Response(pump.readable(), { headers });
  pumps.set(response, pump as SsePump<unknown>);
  return response;
}

/**
 * Writes `response` straight to Node's `outgoing` when it came from `sseResponse` and its body is still unread
 * (status and headers as the middlewares left them); returns false when it did not, leaving the response to the
 * adapter.
 */
export function sendDirect(response: Response, outgoing: unknown): boolean {
  const pump = pumps.get(response);
  if (!pump || !(outgoing instanceof ServerResponse) || !pump.unclaimed) return false;
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  pump.writeTo(outgoing, response.status, headers);
  return true;
}

class SsePump<T> {
  readonly #stream: SseStream<T>;
  readonly #reader: BatchReader<T>;
  #mode: "unclaimed" | "node" | "web" = "unclaimed";
  #done = false;
  #started = false;
  #lastSent = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #outgoing: ServerResponse | undefined;

  constructor(stream: SseStream<T>) {
    this.#stream = stream;
    this.#reader = readBatches(stream.source);
  }

  get unclaimed(): boolean {
    return this.#mode === "unclaimed";
  }

  /** The web-stream body: nothing is read before its consumer asks (highWaterMark 0). */
  readable(): ReadableStream<Uint8Array> {
    const encoder = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    const enqueue = (text: string): boolean => {
      controller?.enqueue(encoder.encode(text));
      return true;
    };
    return new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        pull: () => {
          if (this.#mode === "unclaimed") {
            this.#mode = "web";
            this.#arm(() => (controller?.desiredSize ?? 0) >= 0, enqueue);
          }
          return this.#reader.next().then(
            (batch) => {
              if (!this.#done) this.#batch(batch, enqueue, () => controller?.close());
            },
            (error: unknown) => {
              if (!this.#done) this.#fail(error, enqueue, () => controller?.close());
            },
          );
        },
        cancel: () => this.#abandon(),
      },
      { highWaterMark: 0 },
    );
  }

  writeTo(outgoing: ServerResponse, status: number, headers: Record<string, string>): void {
    this.#mode = "node";
    this.#outgoing = outgoing;
    outgoing.writeHead(status, headers);
    // Headers go with the first batch when it is ready at once (it usually is: the route waited for the first event),
    // on their own when it is not, so the client knows the stream is open.
    setImmediate(() => {
      if (!this.#started && !this.#done && !outgoing.headersSent) outgoing.flushHeaders();
    });
    outgoing.on("close", this.#onClose);
    this.#arm(() => !outgoing.writableNeedDrain, this.#write);
    this.#readNext();
  }

  readonly #write = (text: string): boolean => (this.#outgoing as ServerResponse).write(text);
  readonly #end = (): void => {
    (this.#outgoing as ServerResponse).end();
  };

  readonly #readNext = (): void => {
    this.#reader.next().then(this.#onBatch, this.#onError);
  };

  readonly #onBatch = (batch: T[] | undefined): void => {
    if (this.#done) return;
    // Backpressure: the source is not read again until the socket has taken what was written.
    if (this.#batch(batch, this.#write, this.#end)) this.#readNext();
    else if (!this.#done) (this.#outgoing as ServerResponse).once("drain", this.#readNext);
  };

  readonly #onError = (error: unknown): void => {
    if (!this.#done) this.#fail(error, this.#write, this.#end);
  };

  readonly #onClose = (): void => this.#abandon();

  /** Sends one batch, or the end; true when the sink wants more. */
  #batch(batch: T[] | undefined, write: (text: string) => boolean, end: () => void): boolean {
    if (batch === undefined) {
      this.#finish();
      this.#stream.onEnd?.({ aborted: false });
      if (this.#stream.last) write(this.#stream.last);
      end();
      return false;
    }
    if (!this.#started) {
      this.#started = true;
      this.#stream.onFirst?.();
    }
    this.#lastSent = performance.now();
    return write(this.#stream.frame(batch));
  }

  #fail(error: unknown, write: (text: string) => boolean, end: () => void): void {
    this.#finish();
    this.#stream.onEnd?.({ error, aborted: false });
    if (this.#stream.failure) write(this.#stream.failure(error));
    end();
  }

  /** The client went away before the end: stop the source (not awaited: one stuck upstream must not hold this up). */
  #abandon(): void {
    if (this.#done) return;
    this.#finish();
    this.#reader.return().catch(() => {});
    this.#stream.onEnd?.({ aborted: true });
  }

  #finish(): void {
    this.#done = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#outgoing?.off("close", this.#onClose);
    this.#outgoing?.off("drain", this.#readNext);
  }

  /**
   * One keep-alive timer per stream, never re-armed per write (a timer per token adds up): when it fires it looks at
   * how long ago the last write was and waits out the rest. Nothing is queued while the reader is behind.
   */
  #arm(keepingUp: () => boolean, write: (text: string) => boolean): void {
    const { keepAliveMs, keepAlive } = this.#stream;
    if (keepAliveMs <= 0) return;
    this.#lastSent = performance.now();
    const check = (): void => {
      if (this.#done) return;
      const idle = performance.now() - this.#lastSent;
      if (idle >= keepAliveMs) {
        if (keepingUp()) write(keepAlive);
        this.#lastSent = performance.now();
      }
      this.#timer = setTimeout(check, keepAliveMs - (performance.now() - this.#lastSent));
    };
    this.#timer = setTimeout(check, keepAliveMs);
  }
}
