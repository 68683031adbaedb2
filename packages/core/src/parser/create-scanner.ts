import type { ScanContext, ScanEvent, Scanner } from "../dialect/dialect.js";
import type { NoteSink } from "./parser-note.js";
import { ProvenanceGate } from "./provenance-gate.js";
import { isHighSurrogate, ScanInput } from "./scan-input.js";
import { ScanOutput } from "./scan-output.js";
import { TextReader } from "./text-reader.js";
import { TriggerTable } from "./triggers.js";

/**
 * The incremental parser behind every dialect: the default dialect's `<call:NONCE>` blocks, and the formats models
 * fall back to on their own (see ./format-table.ts), split into text, reasoning and tool-call events as the output
 * streams. Each character is examined a bounded number of times, whatever the chunking.
 */
/** Held text longer than this is reported by its length only. */
const MAX_HELD_NOTE = 256;

export function createScanner(context: ScanContext): Scanner {
  const input = new ScanInput();
  const output = new ScanOutput(context.tools);
  const scan = { input, output };
  // Inputs too large to index cannot be told apart from the model's own markup: then only toolshim's marker counts.
  const foreign = context.foreignFormats !== false && context.provenance?.overBudget !== true;
  if (foreign && context.provenance) {
    const gate = new ProvenanceGate(context.provenance, output, context.onCopied);
    output.gate = gate;
    input.tap = gate;
  }
  const triggers = new TriggerTable(context.nonce, foreign);
  const note = context.onNote;
  if (note) output.tracer = { note, markers: triggers.markers };
  const text = new TextReader(scan, triggers, context.reasoningOpen ?? false);
  // A chunk may end between the two halves of a surrogate pair: the high half waits for the next chunk.
  let carry = "";
  let ended = false;

  function run(): ScanEvent[] {
    text.step();
    if (note && !input.final) noteHeld(note);
    return output.take();
  }

  /**
   * Tracing only: what this push leaves undecided, which later pushes release as text or as a call. Long regions are
   * reported by length: copying them on every push would make tracing quadratic.
   */
  function noteHeld(note: NoteSink): void {
    const copy = output.gate?.holding(MAX_HELD_NOTE);
    if (copy) note({ type: "held", reason: "provenance", text: copy });
    const held = input.held;
    if (held) note({ type: "held", reason: "undecided-markup", text: held.length <= MAX_HELD_NOTE ? held : `(${held.length} characters)` });
    const rest = input.rest;
    if (rest > 0) note({ type: "held", reason: "marker-prefix", text: rest <= MAX_HELD_NOTE ? input.buf.slice(input.pos) : `(${rest} characters)` });
  }

  return {
    push(chunk: string): ScanEvent[] {
      if (ended) throw new Error("push() after end()");
      let piece = carry + chunk;
      carry = "";
      if (piece !== "" && isHighSurrogate(piece.charCodeAt(piece.length - 1))) {
        carry = piece.slice(-1);
        piece = piece.slice(0, -1);
      }
      if (piece === "") return [];
      input.append(piece);
      return run();
    },
    end(): ScanEvent[] {
      if (ended) return [];
      ended = true;
      input.append(carry);
      input.final = true;
      return run();
    },
  };
}
