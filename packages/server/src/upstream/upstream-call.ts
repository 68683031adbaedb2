import { AsyncLocalStorage } from "node:async_hooks";

/** What the server learns about the upstream side of one client request, for its log line and its timeouts. */
export interface UpstreamCallRecord {
  /** Calls of `Upstream.stream` (the engine may ask again after a broken answer). */
  attempts: number;
  /** HTTP requests the provider made, and the status of the last one. */
  httpRequests: number;
  upstreamStatus?: number;
  /** Milliseconds from the request's arrival to the upstream's first event. */
  firstEventMs?: number;
  events: number;
  /** Response body bytes the provider has read from the upstream, over every HTTP request of this call. */
  bytes: number;
  /** performance.now() of the last byte read; undefined before the first. */
  lastByteAt?: number;
  /** Set when the server's shutdown ended this call: what the client was given instead of an answer. */
  shutdown?: boolean;
}

export function newCallRecord(): UpstreamCallRecord {
  return { attempts: 0, httpRequests: 0, events: 0, bytes: 0 };
}

/**
 * The call a provider is working for. Providers never see it: the server runs each step of a provider's stream
 * inside this scope, and the fetch it injects reads the scope to record HTTP statuses and bytes per client request.
 */
export const upstreamCallScope = new AsyncLocalStorage<UpstreamCallRecord>();

/**
 * The fetch given to providers: plain fetch that notes each response status in the current call's record and counts
 * the body bytes the provider reads, so the server's timeouts measure bytes received rather than parsed events (an
 * upstream that drips one byte a second is slow, not silent).
 */
export function instrumentFetch(base: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const record = upstreamCallScope.getStore();
    if (record) record.httpRequests++;
    const response = await base(input, init);
    if (record) {
      record.upstreamStatus = response.status;
      if (response.body) countBytes(response.body, record);
    }
    return response;
  };
}

/**
 * Counts what readers of `body` receive. The stream's own `getReader` is shadowed on this one object rather than the
 * body being piped through a TransformStream: that would add a web-stream layer (and its promise hops) to every token
 * of every answer, where this adds one `then` per read. Byte-mode (BYOB) readers, which no provider uses, are not
 * counted.
 */
function countBytes(body: ReadableStream<Uint8Array>, record: UpstreamCallRecord): void {
  const getReader = body.getReader.bind(body) as (options?: { mode?: "byob" }) => ReadableStreamDefaultReader<Uint8Array>;
  const counted = (options?: { mode?: "byob" }) => {
    const reader = getReader(options);
    if (options?.mode === "byob") return reader;
    const read = reader.read.bind(reader);
    const note = (result: ReadableStreamReadResult<Uint8Array>) => {
      if (!result.done && result.value.byteLength > 0) {
        record.bytes += result.value.byteLength;
        record.lastByteAt = performance.now();
      }
      return result;
    };
    reader.read = () => read().then(note);
    return reader;
  };
  Object.defineProperty(body, "getReader", { value: counted, configurable: true, writable: true });
}
