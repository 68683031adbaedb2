import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, isSpace, PARTIAL } from "./scan-input.js";

/**
 * A reasoning block: everything up to its closer is reasoning, and nothing inside is taken for a call (models draft
 * calls and quote tool syntax while they think). Leading whitespace and whitespace before the closer are markup.
 */
export class ReasoningReader implements Reader {
  private opened: boolean;
  private begun = false;
  private space = "";

  constructor(
    private readonly scan: Scan,
    private readonly open: string | null,
    private readonly close: string[],
  ) {
    this.opened = open === null;
  }

  step(): Step {
    const { input, output } = this.scan;
    if (!this.opened) {
      input.consume((this.open as string).length);
      this.opened = true;
    }
    input.commit();
    const found = findLiteral(input, input.pos, this.close);
    const end = found.at === -1 ? input.buf.length : found.at;
    this.text(input.take(end));
    if (found.match !== null && found.match !== PARTIAL) {
      input.consume(found.match.length);
      output.reasoningEnded();
      return "done";
    }
    if (input.final) {
      output.reasoningEnded();
      return "done";
    }
    return "more";
  }

  private text(piece: string): void {
    let start = 0;
    if (!this.begun) {
      while (start < piece.length && isSpace(piece.charCodeAt(start))) start++;
      if (start === piece.length) return;
      this.begun = true;
    }
    let end = piece.length;
    while (end > start && isSpace(piece.charCodeAt(end - 1))) end--;
    if (end === start) {
      this.space += piece.slice(start);
      return;
    }
    this.scan.output.reasoning(this.space + piece.slice(start, end));
    this.space = piece.slice(end);
  }
}
