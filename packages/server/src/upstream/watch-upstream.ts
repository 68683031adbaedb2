import { BatchSource, readBatches, ToolshimError, type BatchReader, type Upstream, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import type { InFlightCalls, InterruptibleCall } from "./in-flight-calls.js";
import { upstreamTimeoutError, type UpstreamTimeouts } from "./upstream-timeouts.js";
import { upstreamCallScope, type UpstreamCallRecord } from "./upstream-call.js";

export interface WatchOptions {
  /** Provider name, for messages. */
  name: string;
  timeouts: UpstreamTimeouts;
  record: UpstreamCallRecord;
  /** Milliseconds since the client request arrived. */
  elapsed: () => number;
  /** Registers each call so a shutdown can end it; absent in tests of the watch alone. */
  inFlight?: InFlightCalls;
  /** Scrubs configured secrets from the messages of the provider's errors before anyone sees them. */
  redact?: (text: string) => string;
}

/**
 * Why the provider's request is aborted when the engine is done with it (it usually is after the last event, before
 * the provider's iterator ends). One shared error: a new one per request cost a stack capture each.
 */
const STOPPED_READING = new Error("toolshim stopped reading the upstream");

/**
 * Wraps a provider for one client request: enforces the first-byte, idle and total timeouts on the bytes the
 * provider reads (a stalled upstream becomes a 504 before the first event, or a stream error after it), lets a
 * shutdown end the call, makes sure the provider's own request is aborted when the client goes away or a timeout
 * fires, scrubs secrets from its errors, and records timings and HTTP statuses for the request's log line.
 */
export function watchUpstream(upstream: Upstream, options: WatchOptions): Upstream {
  const watched: Upstream = {
    name: upstream.name,
    listModels: () => upstream.listModels(),
    stream: (request, signal) => new WatchedStream(upstream, request, signal, options),
  };
  if (upstream.toolMode) watched.toolMode = (model) => upstream.toolMode!(model);
  if (upstream.noteToolsIgnored) watched.noteToolsIgnored = (model) => upstream.noteToolsIgnored!(model);
  return watched;
}

/**
 * A batch iterator rather than an async generator: this sits on the path of every token, and a generator layer costs
 * extra promise hops per event; batches from the provider go through whole. One timer per stream checks the limits;
 * it is re-armed only when it fires, never per token.
 *
 * Activity is a byte read from the upstream (counted by the server's fetch, see instrumentFetch) or an event from the
 * provider (for providers that do not fetch). Idle time only runs while the consumer waits: bytes are read when the
 * consumer asks for more, so a slow client is not upstream silence.
 */
class WatchedStream extends BatchSource<UpstreamEvent> implements InterruptibleCall {
  private readonly local = new AbortController();
  private readonly reader: BatchReader<UpstreamEvent>;
  private readonly startedAt = performance.now();
  /** The record's byte count when this attempt started (the engine may ask the upstream again). */
  private readonly bytesAtStart: number;
  private events = 0;
  private lastEventAt: number | undefined;
  /** Rejects the read in progress when a limit is hit or the server shuts down. */
  private rejectRead: ((error: Error) => void) | undefined;
  private failure: Error | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending read started; undefined while the consumer is not waiting. */
  private waitingSince: number | undefined = this.startedAt;
  private stopped = false;
  private readonly forward = () => this.stop(this.signal.reason ?? new Error("the client went away"));

  constructor(
    upstream: Upstream,
    request: UpstreamRequest,
    private readonly signal: AbortSignal,
    private readonly options: WatchOptions,
  ) {
    super();
    options.record.attempts++;
    this.bytesAtStart = options.record.bytes;
    if (signal.aborted) this.local.abort(signal.reason);
    else signal.addEventListener("abort", this.forward, { once: true });
    this.reader = upstreamCallScope.run(options.record, () => readBatches(upstream.stream(request, this.local.signal)));
    this.arm(this.nextCheck(this.startedAt));
    options.inFlight?.add(this);
  }

  /** Ends the call with `error` (a shutdown): the read in progress, or the next one, fails with it. */
  interrupt(error: Error): void {
    if (this.stopped) return;
    this.options.record.shutdown = true;
    this.fail(error);
  }

  // Callbacks made once per stream, not per read: this runs for every piece the upstream sends.
  protected pull(): Promise<UpstreamEvent[] | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.stopped) return Promise.resolve(undefined);
    this.waitingSince = performance.now();
    return new Promise(this.startRead).then(this.onBatch, this.onReadFailed);
  }

  private readonly startRead = (resolve: (batch: UpstreamEvent[] | undefined) => void, reject: (error: unknown) => void): void => {
    this.rejectRead = reject;
    upstreamCallScope.run(this.options.record, this.readUpstream).then(resolve, reject);
  };

  private readonly readUpstream = (): Promise<UpstreamEvent[] | undefined> => this.reader.next();

  private readonly onBatch = (batch: UpstreamEvent[] | undefined): UpstreamEvent[] | undefined => {
    this.rejectRead = undefined;
    this.waitingSince = undefined;
    if (batch === undefined) this.stop();
    else if (batch.length > 0) {
      this.events += batch.length;
      this.lastEventAt = performance.now();
      this.options.record.events += batch.length;
      this.options.record.firstEventMs ??= this.options.elapsed();
    }
    return batch;
  };

  private readonly onReadFailed = (error: unknown): never => {
    this.rejectRead = undefined;
    const scrubbed = this.scrub(error);
    this.stop(scrubbed);
    throw scrubbed;
  };

  protected close(): void {
    this.stop(STOPPED_READING);
  }

  /** Milliseconds until a limit could be reached, or the error when one has been. */
  private nextCheck(now: number): number | Error {
    const { timeouts } = this.options;
    const total = timeouts.totalMs > 0 ? this.startedAt + timeouts.totalMs - now : Number.POSITIVE_INFINITY;
    const bytes = this.options.record.bytes - this.bytesAtStart;
    if (total <= 0) return upstreamTimeoutError(this.options.name, { kind: "total", limitMs: timeouts.totalMs, bytes, events: this.events });
    if (this.waitingSince === undefined) return Math.min(total, timeouts.idleMs);
    const received = bytes > 0 || this.events > 0;
    const lastByteAt = bytes > 0 ? (this.options.record.lastByteAt ?? 0) : 0;
    const lastActivity = Math.max(this.waitingSince, lastByteAt, this.lastEventAt ?? 0);
    const limitMs = received ? timeouts.idleMs : timeouts.firstByteMs;
    const left = lastActivity + limitMs - now;
    if (left <= 0) {
      return upstreamTimeoutError(this.options.name, { kind: received ? "idle" : "first-byte", limitMs, bytes, events: this.events });
    }
    return Math.min(left, total);
  }

  private arm(delayMs: number | Error) {
    if (delayMs instanceof Error) return this.fail(delayMs);
    // Never sleeps past the shorter of the two silence limits: a wait that starts after arming (the consumer asking
    // for more) is then still caught on time, without re-arming per read.
    const { firstByteMs, idleMs } = this.options.timeouts;
    const delay = Math.min(delayMs, firstByteMs, idleMs);
    this.timer = setTimeout(() => this.arm(this.nextCheck(performance.now())), Math.max(1, Math.ceil(delay)));
    this.timer.unref?.();
  }

  private fail(error: Error) {
    this.failure ??= error;
    this.rejectRead?.(this.failure);
    this.stop(this.failure);
  }

  private scrub(error: unknown): unknown {
    const redact = this.options.redact;
    if (!redact || !(error instanceof Error)) return error;
    const message = redact(error.message);
    if (message !== error.message) {
      // ToolshimError keeps its status and code; only the text changes.
      if (error instanceof ToolshimError) Object.defineProperty(error, "message", { value: message, configurable: true, writable: true });
      else return new Error(message);
    }
    return error;
  }

  /** Ends the watch; when the upstream did not finish by itself, aborts its request and lets its iterator go. */
  private stop(reason?: unknown) {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.options.inFlight?.delete(this);
    this.signal.removeEventListener("abort", this.forward);
    if (reason !== undefined) {
      this.local.abort(reason);
      // Not awaited: a provider stuck in a pending step would otherwise hold the caller.
      void this.reader.return().catch(() => undefined);
    }
  }
}
