import type { ScanInput } from "./scan-input.js";
import type { ScanOutput } from "./scan-output.js";

/**
 * One step of an incremental reader:
 * - "more": every character it could decide on is consumed; the rest must wait for the next push;
 * - "done": it finished (a call ended or failed) and left the cursor after its markup;
 * - "reject": what it read is not a call after all. The cursor is on the character that showed it, and everything
 *   consumed since the tentative region began is in `input.held`, to be released as text.
 * With `input.final` set, a reader never answers "more".
 */
export type Step = "more" | "done" | "reject";

export interface Reader {
  step(): Step;
  /** After "done": the call was reported invalid, and whatever follows may still be its markup. */
  readonly failed?: boolean;
}

export interface Scan {
  input: ScanInput;
  output: ScanOutput;
}
