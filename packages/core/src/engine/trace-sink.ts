import type { CanonicalMessage, FinishReason } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import type { PolicyViolation } from "../policy/policy-violation.js";
import type { UpstreamEvent, UpstreamRequest } from "../upstream.js";

/** Why a span that looked like call markup stayed text (the console's "why not a call?"). */
export type NotACallReason = "copied-from-input" | "undeclared-tool" | "malformed" | "inside-reasoning";

/**
 * What the engine reports to an observer (the server's console) as it runs. Each attempt is one upstream call: 1, then
 * one per repair. Entries are handed over as they happen; the sink adds its own timestamps.
 */
export type TraceEntry =
  | { kind: "upstream-request"; attempt: number; mode: "native" | "emulate"; nonce: string; request: UpstreamRequest }
  | { kind: "upstream-event"; attempt: number; event: UpstreamEvent }
  | { kind: "scan"; attempt: number; events: readonly ScanEvent[] }
  | { kind: "violation"; attempt: number; violation: PolicyViolation }
  | { kind: "repair"; attempt: number; turns: CanonicalMessage[] }
  | { kind: "not-a-call"; attempt: number; reason: NotACallReason; text: string; detail?: string }
  | { kind: "done"; finishReason: FinishReason; toolCalls: number; answeredAsText: boolean };

/** Optional observer of one request: absent, the engine does no tracing work at all. */
export interface TraceSink {
  record(entry: TraceEntry): void;
}

/**
 * Openers of the call formats the parser knows, for the trace only: a reasoning span containing one is reported, since
 * markup in reasoning is never a call. An opener split across two reasoning events is not seen (tracing is best-effort).
 */
const CALL_OPENER = /<call:|<tool_call>|<function=|<\uFF5Ctool\u2581call|\[TOOL_CALLS\]|<\|tool_call\|>/;

/** Scan events for the trace, with each call that failed (and was not mended) as a "why not a call?" entry. */
export function traceScan(trace: TraceSink, attempt: number, events: readonly ScanEvent[]): void {
  trace.record({ kind: "scan", attempt, events: events.slice() });
  for (const event of events) {
    if (event.type === "reasoning" && CALL_OPENER.test(event.text)) {
      trace.record({ kind: "not-a-call", attempt, reason: "inside-reasoning", text: event.text });
    }
    if (event.type !== "call-invalid" || event.repaired) continue;
    const reason = event.name === undefined ? "malformed" : "undeclared-tool";
    trace.record({ kind: "not-a-call", attempt, reason, text: event.name ?? "", detail: event.reason });
  }
}
