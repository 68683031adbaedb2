import { MarkupWatcher } from "./markup-watcher.js";
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
  /** Tracing only: call markup inside the block. */
  private readonly watch: MarkupWatcher | null;

  constructor(
    private readonly scan: Scan,
    private readonly open: string | null,
    private readonly close: string[],
  ) {
    this.opened = open === null;
    const tracer = scan.output.tracer;
    this.watch = tracer ? new MarkupWatcher(tracer.markers, tracer.note, "inside-reasoning") : null;
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
    const piece = input.take(end);
    this.watch?.feed(piece);
    this.text(piece);
    if (found.match !== null && found.match !== PARTIAL) {
      input.consume(found.match.length);
      return this.ended();
    }
    return input.final ? this.ended() : "more";
  }

  private ended(): Step {
    this.scan.output.reasoningEnded();
    this.watch?.end("in a reasoning block: reasoning is never a call");
    return "done";
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
