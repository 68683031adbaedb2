import type { ScanEvent } from "../dialect/dialect.js";

/** What a scan produced, in order: text and reasoning merged, each call with its outcome. */
export type ScanSegment =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "call"; name: string; id?: string; arguments: string }
  | { type: "invalid"; name?: string; reason: string }
  /** A call still open where the events stop (only when checking a stream that has not ended). */
  | { type: "open"; name: string; arguments: string };

/**
 * Checks the scanner's contract on one event stream and returns its summary (for comparing chunkings):
 * calls start at index 0..n-1 in order and never interleave; deltas only belong to the open call and concatenate to
 * its end's arguments, which are a JSON object and complete only with the last delta; an invalid call either
 * closes the open call or, before any start, carries the next unused index; no event splits a surrogate pair; every
 * started call names a declared tool; once `ended`, no call is left open. Throws on the first violation.
 */
export function checkScanEvents(events: readonly ScanEvent[], toolNames: readonly string[], ended = true): ScanSegment[] {
  const segments: ScanSegment[] = [];
  let open: { index: number; name: string; id?: string; args: string; previous: string } | null = null;
  let started = 0;
  const fail = (message: string, event: ScanEvent): never => {
    throw new Error(`${message}: ${JSON.stringify(event)}`);
  };
  for (const event of events) {
    switch (event.type) {
      case "text":
      case "reasoning": {
        if (event.text === "") fail("empty text event", event);
        if (splitsSurrogate(event.text)) fail("event splits a surrogate pair", event);
        const last = segments.at(-1);
        if (last?.type === event.type) last.text += event.text;
        else segments.push({ type: event.type, text: event.text });
        break;
      }
      case "call-start":
        if (open) fail("call started while another is open", event);
        if (event.index !== started) fail(`expected call index ${started}`, event);
        if (!toolNames.includes(event.name)) fail("call names an undeclared tool", event);
        started++;
        open = { index: event.index, name: event.name, args: "", previous: "" };
        if (event.id !== undefined) open.id = event.id;
        break;
      case "call-delta":
        if (!open || open.index !== event.index) fail("delta for a call that is not open", event);
        else {
          if (event.argumentsDelta === "") fail("empty delta", event);
          if (splitsSurrogate(event.argumentsDelta)) fail("delta splits a surrogate pair", event);
          open.previous = open.args;
          open.args += event.argumentsDelta;
        }
        break;
      case "call-end": {
        if (!open || open.index !== event.index) return fail("end for a call that is not open", event);
        if (event.arguments !== open.args) fail("end arguments differ from the concatenated deltas", event);
        if (!isJsonObject(event.arguments)) fail("end arguments are not a JSON object", event);
        // The text before the last delta must not already have been complete JSON.
        if (open.previous !== "" && isJson(open.previous)) fail("arguments looked complete before the last delta", event);
        const call: ScanSegment = { type: "call", name: open.name, arguments: event.arguments };
        if (open.id !== undefined) call.id = open.id;
        segments.push(call);
        open = null;
        break;
      }
      case "call-invalid":
        if (open) {
          if (open.index !== event.index) fail("invalid for a call that is not open", event);
          segments.push({ type: "invalid", name: open.name, reason: event.reason });
          open = null;
        } else {
          if (event.index !== started) fail(`an invalid call that never started must carry index ${started}`, event);
          segments.push({ type: "invalid", reason: event.reason });
        }
        break;
    }
  }
  if (open && ended) throw new Error(`call ${open.index} never ended`);
  if (open) segments.push({ type: "open", name: open.name, arguments: open.args });
  return segments;
}

function splitsSurrogate(text: string): boolean {
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  return (first >= 0xdc00 && first <= 0xdfff) || (last >= 0xd800 && last <= 0xdbff);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
