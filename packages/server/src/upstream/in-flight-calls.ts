import { UpstreamError } from "@toolshim/core";

/** Something reading an upstream that a shutdown can end with an error. */
export interface InterruptibleCall {
  interrupt(error: Error): void;
}

/**
 * The server's shutdown state and the upstream calls in flight. Shutting down has two steps: `drain()` (new client
 * requests are refused with 503, running ones go on), then, after the grace period, `endAll()` (every call still
 * reading an upstream fails with `server_shutting_down`, so its client gets a 503 or a stream error event in its
 * API's shape instead of a cut connection).
 */
export class InFlightCalls {
  private readonly calls = new Set<InterruptibleCall>();
  private ended: Error | undefined;
  private drainingSince: number | undefined;

  /** True once the server has started shutting down: new requests get 503. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  get size(): number {
    return this.calls.size;
  }

  add(call: InterruptibleCall): void {
    if (this.ended) return call.interrupt(this.ended);
    this.calls.add(call);
  }

  delete(call: InterruptibleCall): void {
    this.calls.delete(call);
  }

  drain(): void {
    this.drainingSince ??= performance.now();
  }

  /** Ends every call in flight, and any started later, with `error` (default: `shuttingDownError()`). */
  endAll(error: Error = shuttingDownError()): number {
    this.drain();
    this.ended ??= error;
    const count = this.calls.size;
    for (const call of [...this.calls]) call.interrupt(this.ended);
    this.calls.clear();
    return count;
  }
}

/** What a client whose request was still running when the server stopped is told (503 or a stream error event). */
export function shuttingDownError(): UpstreamError {
  return new UpstreamError("toolshim is shutting down and stopped this request before the upstream finished. Send it again.", {
    status: 503,
    retryable: true,
    code: "server_shutting_down",
  });
}

/** What a request that arrives while the server is shutting down gets (503). */
export function notAcceptingError(): UpstreamError {
  return new UpstreamError("toolshim is shutting down and accepts no new requests. Send it again once the server is back.", {
    status: 503,
    retryable: true,
    code: "server_shutting_down",
  });
}
