import { randomBytes } from "node:crypto";
import { RequestTrace, type TraceSummary } from "./request-trace.js";

export type TraceListener = (summary: TraceSummary) => void;

/**
 * The console's ring buffer: the newest traces, at most `maxTraces` of them and `maxBytes` of captured text in all;
 * the oldest go first. One trace may use at most a quarter of the bytes. Listeners (the live list) hear of every new
 * trace and every change of a summary.
 */
export class TraceStore {
  private readonly traces = new Map<string, RequestTrace>();
  private readonly listeners = new Set<TraceListener>();
  private readonly finished = new WeakSet<RequestTrace>();

  /** `onFinished` hears of each trace once, when it is done (to share it with other instances). */
  constructor(
    private readonly maxTraces: number,
    private readonly maxBytes: number,
    private readonly onFinished?: (trace: RequestTrace) => void,
  ) {}

  begin(api: string, stream: boolean): RequestTrace {
    const id = `tr_${randomBytes(9).toString("base64url")}`;
    const trace = new RequestTrace(id, api, stream, Math.max(1024, Math.floor(this.maxBytes / 4)), (changed) => this.changed(changed));
    this.traces.set(id, trace);
    this.evict();
    this.changed(trace);
    return trace;
  }

  get(id: string): RequestTrace | undefined {
    return this.traces.get(id);
  }

  /** Newest first. */
  summaries(): TraceSummary[] {
    return [...this.traces.values()].reverse().map((trace) => trace.summary);
  }

  subscribe(listener: TraceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Captured characters held now. */
  size(): number {
    let total = 0;
    for (const trace of this.traces.values()) total += trace.size;
    return total;
  }

  private changed(trace: RequestTrace): void {
    if (trace.summary.done) {
      this.evict();
      if (this.onFinished && !this.finished.has(trace)) {
        this.finished.add(trace);
        this.onFinished(trace);
      }
    }
    for (const listener of this.listeners) listener(trace.summary);
  }

  private evict(): void {
    let total = this.size();
    for (const [id, trace] of this.traces) {
      if (this.traces.size <= this.maxTraces && total <= this.maxBytes) return;
      this.traces.delete(id);
      total -= trace.size;
    }
  }
}
