import { hostname } from "node:os";
import type { Logger } from "pino";
import type { ConsoleConfig } from "../config/config-schema.js";
import type { RequestTrace, TraceSummary } from "./request-trace.js";
import { type TraceListener, TraceStore } from "./trace-store.js";

/** Where finished traces go for every instance to read (Redis, with shared state). */
export interface SharedTraces {
  /** Keeps a finished trace: its summary and its redacted JSON. */
  put(summary: SharedSummary, json: string): Promise<void>;
  /** The newest summaries, newest first. */
  list(limit: number): Promise<SharedSummary[]>;
  /** A trace's JSON, if it is still kept. */
  get(id: string): Promise<string | undefined>;
}

export interface SharedTraceLimits {
  /** Traces kept across all instances. */
  maxTraces: number;
  /** Bytes of trace JSON kept across all instances. */
  maxBytes: number;
  /** A trace is dropped this long after it arrived. */
  ttlMs: number;
}

/** A summary as other instances see it: which instance served the request. */
export type SharedSummary = TraceSummary & { instance?: string };

/** The shared store as the app receives it from the shared state (serve.ts), with its address for messages. */
export interface SharedTraceSource {
  store: SharedTraces;
  /** e.g. redis://redis:6379/0, without credentials. */
  address: string;
}

/** Whether the console can see other instances' traces now. */
export type SharedStatus = { status: "ok" } | { status: "unavailable"; message: string };

/** How often an instance with a console watching the live list looks for other instances' traces. */
export const SHARED_POLL_MS = 2_000;
/** How long a trace stays on Redis. */
export const SHARED_TRACE_TTL_MS = 60 * 60_000;

export interface TraceDirectoryOptions {
  /** Names this instance in the summaries it shares (host and process id). */
  instance: string;
  /** The same secret redaction every console answer goes through: nothing unredacted reaches the shared store. */
  redact: (text: string) => string;
  /** Where the store is, for the message shown when it is not reachable. */
  address: string;
  /** Most bytes one trace's JSON may take in the shared store. */
  maxTraceBytes: number;
  onError?: (error: unknown) => void;
  pollMs?: number;
}

/**
 * The console's view across instances: this instance's own `TraceStore`, plus the finished traces every instance
 * shares. Listing, opening by id and the live list read both; when the shared store is unreachable the local traces
 * still show and `status` says the shared view is unavailable. The live list polls (see `subscribe`).
 */
export class TraceDirectory {
  readonly #local: TraceStore;
  readonly #shared: SharedTraces;
  readonly #options: TraceDirectoryOptions;
  #status: SharedStatus = { status: "ok" };
  readonly #listeners = new Set<TraceListener>();
  readonly #statusListeners = new Set<(status: SharedStatus) => void>();
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Ids of other instances' traces already announced to the live list. */
  #seen = new Set<string>();

  constructor(local: TraceStore, shared: SharedTraces, options: TraceDirectoryOptions) {
    this.#local = local;
    this.#shared = shared;
    this.#options = options;
  }

  get status(): SharedStatus {
    return this.#status;
  }

  /**
   * Shares a finished trace, after the current I/O turn so that serialising it never delays the response's last
   * bytes; a failure only marks the shared view unavailable (the request is answered by then).
   */
  share(trace: RequestTrace): void {
    setImmediate(() => {
      const json = fitTrace(trace, this.#options.redact, this.#options.maxTraceBytes);
      const summary: SharedSummary = { ...(JSON.parse(this.#options.redact(JSON.stringify(trace.summary))) as TraceSummary), instance: this.#options.instance };
      this.#shared.put(summary, json).then(
        () => this.#setStatus({ status: "ok" }),
        (error: unknown) => this.#failed(error),
      );
    });
  }

  /** Newest first: this instance's traces and, while reachable, the others', at most `limit`. */
  async summaries(limit: number): Promise<SharedSummary[]> {
    const local = this.#local.summaries();
    const remote = await this.#remote(limit);
    const ids = new Set(local.map((summary) => summary.id));
    const merged: SharedSummary[] = [...local, ...remote.filter((summary) => !ids.has(summary.id))];
    return merged.sort((a, b) => b.at - a.at).slice(0, limit);
  }

  /** A trace's JSON text: this instance's, else the shared copy; undefined when neither has it. */
  async get(id: string): Promise<string | undefined> {
    const trace = this.#local.get(id);
    if (trace) return JSON.stringify(trace);
    try {
      const json = await this.#shared.get(id);
      this.#setStatus({ status: "ok" });
      return json;
    } catch (error) {
      this.#failed(error);
      return undefined;
    }
  }

  /**
   * The live list: this instance's changes as they happen, other instances' finished traces by a poll every
   * `pollMs` while at least one console is listening (no poll, no Redis traffic, when none is), and status changes.
   */
  subscribe(listener: TraceListener, onStatus: (status: SharedStatus) => void): () => void {
    const stopLocal = this.#local.subscribe(listener);
    this.#listeners.add(listener);
    this.#statusListeners.add(onStatus);
    this.#timer ??= setInterval(() => void this.#poll(), this.#options.pollMs ?? SHARED_POLL_MS);
    this.#timer.unref?.();
    return () => {
      stopLocal();
      this.#listeners.delete(listener);
      this.#statusListeners.delete(onStatus);
      if (this.#listeners.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  async #poll(): Promise<void> {
    const remote = await this.#remote(50);
    const current = new Set<string>();
    for (const summary of remote) {
      current.add(summary.id);
      if (this.#seen.has(summary.id) || this.#local.get(summary.id)) continue;
      for (const listener of this.#listeners) listener(summary);
    }
    // Only ids still in the newest 50 need remembering: the set stays bounded.
    this.#seen = current;
  }

  async #remote(limit: number): Promise<SharedSummary[]> {
    try {
      const remote = await this.#shared.list(limit);
      this.#setStatus({ status: "ok" });
      return remote;
    } catch (error) {
      this.#failed(error);
      return [];
    }
  }

  #failed(error: unknown): void {
    if (this.#status.status === "ok") this.#options.onError?.(error);
    this.#setStatus({
      status: "unavailable",
      message: `The shared trace view (Redis at ${this.#options.address}) is not reachable: showing this instance's traces only.`,
    });
  }

  #setStatus(status: SharedStatus): void {
    if (status.status === this.#status.status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }
}

/**
 * The console's traces: this instance's ring buffer and, with shared state, the directory that shares each finished
 * trace and reads the others'. Without `shared` nothing leaves the process.
 */
export function openConsoleTraces(
  config: ConsoleConfig,
  redact: (text: string) => string,
  shared: SharedTraceSource | undefined,
  logger: Pick<Logger, "warn">,
): { store: TraceStore; directory?: TraceDirectory } {
  let directory: TraceDirectory | undefined;
  const store = new TraceStore(config.maxTraces, config.maxTraceBytes, shared ? (trace) => directory?.share(trace) : undefined);
  if (!shared) return { store };
  directory = new TraceDirectory(store, shared.store, {
    instance: `${hostname()}:${process.pid}`,
    redact,
    address: shared.address,
    maxTraceBytes: Math.max(1024, Math.floor(config.maxTraceBytes / 4)),
    onError: (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, "console: the shared trace view is unavailable (Redis); showing this instance's traces"),
  });
  return { store, directory };
}

/**
 * A trace's redacted JSON within `maxBytes`: whole when it fits; else without the engine entries; else with the
 * captured bodies cut as well. Each reduction is marked, as the local buffer marks what it dropped.
 */
export function fitTrace(trace: RequestTrace, redact: (text: string) => string, maxBytes: number): string {
  const whole = redact(JSON.stringify(trace));
  if (byteLength(whole) <= maxBytes) return whole;
  const view = trace.toJSON();
  const lean = redact(JSON.stringify({ ...view, entries: [], truncated: true, entriesDropped: trace.entries.length }));
  if (byteLength(lean) <= maxBytes) return lean;
  const room = Math.max(0, Math.floor(maxBytes / 8));
  // Redacted before cutting: a cut through a secret would leave part of it that the redaction no longer recognises.
  const cut = (message: RequestTrace["request"]) => ({ ...message, body: redact(message.body).slice(0, room), truncated: true });
  return redact(JSON.stringify({ ...view, request: cut(trace.request), response: cut(trace.response), entries: [], truncated: true, entriesDropped: trace.entries.length }));
}

function byteLength(text: string): number {
  return Buffer.byteLength(text);
}
