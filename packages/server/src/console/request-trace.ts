import type { TraceEntry, TraceSink } from "@toolshim/core";

/** One line of the live list. */
export interface TraceSummary {
  id: string;
  /** Unix milliseconds when the request arrived. */
  at: number;
  api: string;
  model?: string;
  mode?: "native" | "emulate";
  stream: boolean;
  status?: number;
  latencyMs?: number;
  /** From arrival to the first byte sent to the client. */
  firstByteMs?: number;
  calls: number;
  finishReason?: string;
  repairs: number;
  notACalls: number;
  done: boolean;
}

/** An engine entry with when it happened (milliseconds since the request arrived). */
export type TimedEntry = TraceEntry & { t: number };

/** What a trace keeps of one side of the HTTP exchange. */
export interface CapturedMessage {
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

const MASKED_HEADERS = new Set(["authorization", "x-api-key", "cookie", "proxy-authorization"]);
const KEPT_HEADERS = new Set(["content-type", "user-agent", "accept", "anthropic-version", "openai-beta", "x-request-id"]);

/**
 * Everything the console shows about one request: the engine's entries (as a `TraceSink`), the client's request and
 * the bytes it was sent. Each trace stops keeping detail past `maxBytes` (it says so) so one huge request cannot take
 * the whole buffer.
 */
export class RequestTrace implements TraceSink {
  readonly summary: TraceSummary;
  readonly entries: TimedEntry[] = [];
  request: CapturedMessage = { headers: {}, body: "", truncated: false };
  response: CapturedMessage = { headers: {}, body: "", truncated: false };
  /** Entries were dropped because the trace reached its size limit. */
  truncated = false;
  /** Approximate size in characters, counted as text arrives. */
  size = 0;
  private readonly started = performance.now();

  constructor(
    id: string,
    api: string,
    stream: boolean,
    private readonly maxBytes: number,
    private readonly onChange: (trace: RequestTrace) => void,
  ) {
    this.summary = { id, at: Date.now(), api, stream, calls: 0, repairs: 0, notACalls: 0, done: false };
  }

  elapsed(): number {
    return Math.round((performance.now() - this.started) * 10) / 10;
  }

  record(entry: TraceEntry): void {
    const size = entrySize(entry);
    if (this.size + size > this.maxBytes) {
      this.truncated = true;
      if (entry.kind !== "done" && entry.kind !== "not-a-call" && entry.kind !== "repair") return;
    }
    this.size += size;
    this.entries.push({ ...entry, t: this.elapsed() });
    this.summarise(entry);
  }

  private summarise(entry: TraceEntry): void {
    const summary = this.summary;
    switch (entry.kind) {
      case "upstream-request":
        summary.mode = entry.mode;
        break;
      case "repair":
        summary.repairs++;
        break;
      case "not-a-call":
        summary.notACalls++;
        break;
      case "done":
        summary.calls = entry.toolCalls;
        summary.finishReason = entry.finishReason;
        break;
      default:
        return;
    }
    this.onChange(this);
  }

  setRequest(headers: Headers, body: string): void {
    this.request = { headers: pickHeaders(headers), ...this.bounded(body) };
  }

  setResponseHead(status: number, headers: Headers): void {
    this.summary.status = status;
    this.response.headers = pickHeaders(headers);
  }

  appendResponse(text: string): void {
    if (this.summary.firstByteMs === undefined) this.summary.firstByteMs = this.elapsed();
    if (this.response.truncated) return;
    const room = this.maxBytes - this.size;
    if (text.length > room) {
      this.response.body += text.slice(0, Math.max(0, room));
      this.response.truncated = true;
      this.size = this.maxBytes;
      return;
    }
    this.response.body += text;
    this.size += text.length;
  }

  finish(): void {
    if (this.summary.done) return;
    this.summary.done = true;
    this.summary.latencyMs = this.elapsed();
    this.onChange(this);
  }

  toJSON(): Record<string, unknown> {
    return { summary: this.summary, request: this.request, response: this.response, entries: this.entries, truncated: this.truncated };
  }

  private bounded(body: string): { body: string; truncated: boolean } {
    const room = Math.max(0, this.maxBytes - this.size);
    const kept = body.length > room ? body.slice(0, room) : body;
    this.size += kept.length;
    return { body: kept, truncated: kept.length < body.length };
  }
}

function pickHeaders(headers: Headers): Record<string, string> {
  const picked: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (MASKED_HEADERS.has(name)) picked[name] = "[masked]";
    else if (KEPT_HEADERS.has(name) || name.startsWith("x-toolshim-")) picked[name] = value;
  });
  return picked;
}

/** Characters an entry adds, roughly: its text, or a fixed cost for small structured entries. */
function entrySize(entry: TraceEntry): number {
  switch (entry.kind) {
    case "upstream-event":
      return 40 + ("text" in entry.event ? entry.event.text.length : 0);
    case "scan":
      return entry.events.reduce((sum, event) => sum + 40 + ("text" in event ? event.text.length : "argumentsDelta" in event ? event.argumentsDelta.length : 0), 0);
    case "upstream-request":
      return JSON.stringify(entry.request).length;
    case "repair":
      return JSON.stringify(entry.turns).length;
    case "not-a-call":
      return 80 + entry.text.length + (entry.detail?.length ?? 0);
    case "held":
      return 60 + entry.text.length;
    default:
      return 200;
  }
}
