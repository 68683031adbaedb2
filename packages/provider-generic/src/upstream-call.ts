import { connectionError, timeoutError } from "./upstream-errors.js";

const DISPOSED = new Error("The upstream call is over.");

export interface CallTimeouts {
  firstByteMs: number;
  idleMs: number;
}

/**
 * One HTTP exchange with the upstream: links the caller's AbortSignal to the fetch, enforces the first-byte and idle
 * timeouts, and turns whatever fetch or a body read throws into the right error (the caller's abort reason, a 504 or
 * a 502). Idle time is only measured while waiting on the upstream, never while the consumer is busy.
 *
 * A read happens per upstream token, so the timer is not set and cleared around each one: one timer stays armed, and
 * when it fires it checks how long the current wait has lasted, giving up or sleeping for the rest of the limit.
 */
export class UpstreamCall {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the armed timer fires (performance.now() time). */
  private timerDue = 0;
  /** The wait in progress (phase, start, limit), in fields rather than an object per read; no phase: not waiting. */
  private waitPhase: "first-byte" | "idle" | undefined;
  private waitSince = 0;
  private waitLimitMs = 0;
  private timedOut: "first-byte" | "idle" | undefined;
  /** Body bytes received so far, for the idle timeout's message. */
  private bytes = 0;
  private cancelled: { reason: unknown } | undefined;
  /** The body being read, cancelled when the call is aborted (see the constructor). */
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly onAbort = () => this.controller.abort(this.signal.reason);

  constructor(
    private readonly signal: AbortSignal,
    private readonly timeouts: CallTimeouts,
    private readonly provider: string,
  ) {
    if (signal.aborted) this.controller.abort(signal.reason);
    else signal.addEventListener("abort", this.onAbort, { once: true });
    // fetch (undici) follows our signal through an AbortController it holds only weakly once a request sent without a
    // redirect copy is answered: after a full GC, aborting may then do nothing and a pending read would wait for bytes
    // that never come. Cancelling the body always ends the connection and settles that read.
    this.controller.signal.addEventListener("abort", this.cancelBody, { once: true });
  }

  private readonly cancelBody = (): void => {
    this.reader?.cancel(this.controller.signal.reason).catch(() => {});
  };

  /** Abort the exchange from our side (the provider is closing); a pending fetch or read then throws `reason`. */
  cancel(reason: unknown): void {
    this.cancelled = { reason };
    this.controller.abort(reason);
  }

  async fetch(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<Response> {
    this.arm("first-byte", this.timeouts.firstByteMs);
    try {
      return await fetchImpl(url, { ...init, signal: this.controller.signal });
    } catch (error) {
      throw this.translate(error, "connect");
    } finally {
      this.disarm();
    }
  }

  /** The next piece of the body, or undefined at its end. One `then`, not an async function: it runs per token. */
  read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Uint8Array | undefined> {
    this.reader = reader;
    this.arm("idle", this.timeouts.idleMs);
    return reader.read().then(this.readDone, this.readFailed);
  }

  private readonly readDone = (result: ReadableStreamReadResult<Uint8Array>): Uint8Array | undefined => {
    this.disarm();
    if (result.done) {
      // A body cancelled by an abort ends like a complete one: report the abort instead.
      if (this.controller.signal.aborted) throw this.translate(this.controller.signal.reason, "stream");
      return undefined;
    }
    this.bytes += result.value.byteLength;
    return result.value;
  };

  private readonly readFailed = (error: unknown): never => {
    this.disarm();
    throw this.translate(error, "stream");
  };

  /** The whole body as text, with the idle timeout between pieces. */
  async text(response: Response): Promise<string> {
    if (!response.body) return "";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    try {
      for (let piece = await this.read(reader); piece !== undefined; piece = await this.read(reader)) {
        text += decoder.decode(piece, { stream: true });
      }
      return text + decoder.decode();
    } finally {
      reader.releaseLock();
    }
  }

  dispose(): void {
    this.disarm();
    this.stopTimer();
    this.signal.removeEventListener("abort", this.onAbort);
    // A reason of our own: without one, abort() builds a DOMException (a stack capture per request).
    if (!this.controller.signal.aborted) this.controller.abort(DISPOSED);
  }

  private arm(phase: "first-byte" | "idle", ms: number) {
    const now = performance.now();
    this.waitPhase = phase;
    this.waitSince = now;
    this.waitLimitMs = ms;
    if (this.timer !== undefined && this.timerDue <= now + ms) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.schedule(now, ms);
  }

  private schedule(now: number, ms: number) {
    this.timerDue = now + ms;
    this.timer = setTimeout(this.check, ms);
  }

  private readonly check = () => {
    this.timer = undefined;
    const phase = this.waitPhase;
    if (phase === undefined) return;
    const now = performance.now();
    const waited = now - this.waitSince;
    if (waited < this.waitLimitMs) return this.schedule(now, this.waitLimitMs - waited);
    this.timedOut = phase;
    this.controller.abort();
  };

  private disarm() {
    this.waitPhase = undefined;
  }

  private stopTimer() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private translate(error: unknown, phase: "connect" | "stream"): unknown {
    if (this.signal.aborted) return this.signal.reason ?? error;
    if (this.cancelled) return this.cancelled.reason;
    if (this.timedOut) {
      return timeoutError(this.provider, this.timedOut, this.timedOut === "first-byte" ? this.timeouts.firstByteMs : this.timeouts.idleMs, this.bytes);
    }
    return connectionError(error, this.provider, phase);
  }
}
