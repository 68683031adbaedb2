import type { CanonicalMessage, FinishReason } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import type { ParserNote } from "../parser/parser-note.js";
import type { PolicyViolation } from "../policy/policy-violation.js";
import type { ProvenanceMode } from "../provenance/index.js";
import type { UpstreamEvent, UpstreamRequest } from "../upstream.js";

/** Why a span that looked like call markup stayed text (the console's "why not a call?"). */
export type NotACallReason = "copied-from-input" | "undeclared-tool" | "malformed" | "inside-reasoning" | "inside-code";

/** Why the parser held text back at the end of a push (see `ParserNote`). */
export type HeldReason = Extract<ParserNote, { type: "held" }>["reason"];

/**
 * What the engine reports to an observer (the server's console) as it runs. Each attempt is one upstream call: 1, then
 * one per repair. Entries are handed over as they happen; the sink adds its own timestamps.
 */
export type TraceEntry =
  | { kind: "upstream-request"; attempt: number; mode: "native" | "emulate"; nonce: string; request: UpstreamRequest }
  | { kind: "upstream-event"; attempt: number; event: UpstreamEvent }
  | { kind: "scan"; attempt: number; events: readonly ScanEvent[] }
  | { kind: "held"; attempt: number; reason: HeldReason; text: string }
  | { kind: "violation"; attempt: number; violation: PolicyViolation }
  | { kind: "repair"; attempt: number; turns: CanonicalMessage[] }
  | { kind: "not-a-call"; attempt: number; reason: NotACallReason; text: string; detail?: string }
  | { kind: "done"; finishReason: FinishReason; toolCalls: number; answeredAsText: boolean; provenance?: ProvenanceMode };

/** Optional observer of one request: absent, the engine does no tracing work at all. */
export interface TraceSink {
  record(entry: TraceEntry): void;
}

/** Scan events for the trace, with each call that failed (and was not mended) as a "why not a call?" entry. */
export function traceScan(trace: TraceSink, attempt: number, events: readonly ScanEvent[]): void {
  trace.record({ kind: "scan", attempt, events: events.slice() });
  for (const event of events) {
    if (event.type !== "call-invalid" || event.repaired) continue;
    const reason = event.name === undefined ? "malformed" : "undeclared-tool";
    trace.record({ kind: "not-a-call", attempt, reason, text: event.name ?? "", detail: event.reason });
  }
}

/** The parser's own notes: markup it released as text (with why), and what it holds back between pushes. */
export function traceNote(trace: TraceSink, attempt: number, note: ParserNote): void {
  if (note.type === "held") {
    trace.record({ kind: "held", attempt, reason: note.reason, text: note.text });
    return;
  }
  const entry: TraceEntry = { kind: "not-a-call", attempt, reason: note.reason, text: note.text };
  if (note.detail !== undefined) entry.detail = note.detail;
  trace.record(entry);
}
