import { BatchSource, readBatches, UpstreamError, type BatchReader, type Upstream, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { upstreamCallScope, type UpstreamCallRecord } from "./upstream-call.js";

export interface WatchOptions {
  /** Provider name, for messages. */
  name: string;
  /** Give up when the upstream sends nothing for this long (before its first event or between two). */
  idleTimeoutMs: number;
  record: UpstreamCallRecord;
  /** Milliseconds since the client request arrived. */
  elapsed: () => number;
}

/**
 * Wraps a provider for one client request: enforces the silence timeout (a stalled upstream becomes a 504 before the
 * first event, or a stream error after it), makes sure the provider's own request is aborted when the client goes
 * away or the timeout fires, and records timings and HTTP statuses for the request's log line.
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
 * extra promise hops per event; batches from the provider go through whole. One timer per stream checks for silence;
 * it is re-armed only when it fires.
 */
class WatchedStream extends BatchSource<UpstreamEvent> {
  private readonly local = new AbortController();
  private readonly reader: BatchReader<UpstreamEvent>;
  /** Rejects the read in progress when the silence timeout fires. */
  private interrupt: ((error: Error) => void) | undefined;
  private timedOut: Error | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending read started; undefined while the consumer is not waiting (a slow client is not silence). */
  private waitingSince: number | undefined = performance.now();
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
    if (signal.aborted) this.local.abort(signal.reason);
    else signal.addEventListener("abort", this.forward, { once: true });
    this.reader = upstreamCallScope.run(options.record, () => readBatches(upstream.stream(request, this.local.signal)));
    this.arm(options.idleTimeoutMs);
  }

  protected async pull(): Promise<UpstreamEvent[] | undefined> {
    if (this.timedOut) throw this.timedOut;
    if (this.stopped) return undefined;
    this.waitingSince = performance.now();
    try {
      const batch = await new Promise<UpstreamEvent[] | undefined>((resolve, reject) => {
        this.interrupt = reject;
        upstreamCallScope.run(this.options.record, () => this.reader.next()).then(resolve, reject);
      });
      this.interrupt = undefined;
      this.waitingSince = undefined;
      if (batch === undefined) this.stop();
      else {
        this.options.record.events += batch.length;
        this.options.record.firstEventMs ??= this.options.elapsed();
      }
      return batch;
    } catch (error) {
      this.interrupt = undefined;
      this.stop(error);
      throw error;
    }
  }

  protected close(): void {
    this.stop(new Error("toolshim stopped reading the upstream"));
  }

  private arm(delayMs: number) {
    this.timer = setTimeout(() => {
      const idle = this.waitingSince === undefined ? 0 : performance.now() - this.waitingSince;
      if (idle < this.options.idleTimeoutMs) return this.arm(this.options.idleTimeoutMs - idle);
      const error = new UpstreamError(
        `The upstream "${this.options.name}" sent nothing for ${this.options.idleTimeoutMs} ms, so toolshim gave up ` +
          `(server.requestTimeoutMs). Try again, or raise the limit if the model is slow to start.`,
        { status: 504, retryable: true, code: "upstream_timeout" },
      );
      this.timedOut = error;
      this.interrupt?.(error);
      this.stop(error);
    }, delayMs);
    this.timer.unref?.();
  }

  /** Ends the watch; when the upstream did not finish by itself, aborts its request and lets its iterator go. */
  private stop(reason?: unknown) {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.signal.removeEventListener("abort", this.forward);
    if (reason !== undefined) {
      this.local.abort(reason);
      // Not awaited: a provider stuck in a pending step would otherwise hold the caller.
      void this.reader.return().catch(() => undefined);
    }
  }
}
