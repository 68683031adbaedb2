import type { CallWriter } from "./scan-output.js";
import { isSpace } from "./scan-input.js";

/**
 * Passes a call's JSON arguments object through as the model writes it (raw passthrough keeps deltas append-only
 * and the model's own formatting). The object's closing brace is only written by `finish`, together with the call's
 * end, so the streamed text never looks complete early. Whitespace right after the opening brace waits until the
 * next character: an empty object comes out as "{}". Before the call has started (the name came after the
 * arguments) the text is kept and written when it does.
 */
export class ArgumentsStream {
  private writer: CallWriter | null = null;
  private kept: string[] = [];
  private leading: string | null = "";

  get started(): boolean {
    return this.writer !== null;
  }

  attach(writer: CallWriter): void {
    this.writer = writer;
    const kept = this.kept.join("");
    this.kept = [];
    writer.write(kept);
  }

  /** Raw text of the object, without its final closing brace. */
  feed(piece: string): void {
    if (piece === "") return;
    let text = piece;
    if (this.leading !== null) {
      text = this.leading + piece;
      let i = 1;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i === text.length) {
        this.leading = text;
        return;
      }
      this.leading = null;
      if (text.charCodeAt(i) === 125) text = `{${text.slice(i)}`;
    }
    if (this.writer) this.writer.write(text);
    else this.kept.push(text);
  }

  /** Writes the closing brace and ends the call (or marks it invalid if the whole text is not a JSON object). */
  finish(closing = "}"): void {
    if (!this.writer) throw new Error("arguments finished before the call started");
    if (this.leading !== null) {
      this.writer.write("{");
      this.leading = null;
    }
    this.writer.end(closing);
  }
}
