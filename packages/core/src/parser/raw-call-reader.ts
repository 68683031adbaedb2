import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, isHighSurrogate, PARTIAL } from "./scan-input.js";
import type { CallWriter } from "./scan-output.js";

/** Longer than any tool name toolshim accepts (128) plus a namespace: a first line this long is not a name. */
const MAX_NAME = 300;

/**
 * The raw form of toolshim's dialect, for custom (freeform) tools whose input is one string:
 *
 *   <call:NONCE>TOOL_NAME
 *   any text, over any number of lines, with no escaping
 *   </call:NONCE>
 *
 * The name runs to the first whitespace; one newline after it and one before the closing marker belong to the markup.
 * Only the request's closing marker (it carries the nonce) ends the input, so the input may hold anything else. The
 * input streams as the call's deltas as it arrives; a trailing newline is held until it is known not to be the last.
 * A function tool written this way gets the body as its arguments, which must then be a JSON object. The reader stops
 * in front of the closing marker and leaves it to its owner.
 */
export class RawCallReader implements Reader {
  private writer: CallWriter | null = null;
  private custom = false;
  /** A custom call's input so far, in pieces (joined once, at the end). */
  private readonly pieces: string[] = [];
  private readonly closeOnly: string[];
  /** The call was reported invalid; the owner skips its markup. */
  failed = false;

  constructor(
    private readonly scan: Scan,
    close: string,
  ) {
    this.closeOnly = [close];
  }

  step(): Step {
    return this.writer ? this.body() : this.header();
  }

  /** The name line: nothing is consumed until the whole of it (and the newline ending it) is in the buffer. */
  private header(): Step {
    const { input, output } = this.scan;
    const { buf, pos } = input;
    let end = pos;
    while (end < buf.length && end - pos <= MAX_NAME && !isNameEnd(buf.charCodeAt(end))) end++;
    if (end - pos > MAX_NAME) return this.fail("the call block starts with neither a JSON object nor a tool name");
    let next = end;
    while (next < buf.length && (buf[next] === " " || buf[next] === "\t")) next++;
    const needMore = next === buf.length || (buf[next] === "\r" && next + 1 === buf.length);
    if (needMore && !input.final) return "more";
    if (buf[next] === "\r" && buf[next + 1] === "\n") next += 2;
    else if (buf[next] === "\n") next += 1;
    const name = buf.slice(pos, end);
    const tool = output.tool(name);
    if (!tool) return this.fail(name === "" ? "the call block holds no call" : `"${name}" is not a declared tool`);
    input.consume(next - pos);
    input.commit();
    this.custom = tool.custom !== undefined;
    this.writer = output.startCall(name);
    // The raw form's body is the input itself: nothing to unwrap.
    this.writer.wrapped = false;
    return this.body();
  }

  private body(): Step {
    const { input } = this.scan;
    const writer = this.writer as CallWriter;
    const found = findLiteral(input, input.pos, this.closeOnly);
    if (found.at !== -1 && found.match !== PARTIAL) {
      const piece = input.take(found.at);
      this.finish(writer, piece.replace(/\r?\n$/, ""));
      return "done";
    }
    if (input.final) {
      input.take(input.buf.length);
      writer.fail("the call block was not closed");
      this.failed = true;
      return "done";
    }
    // Held back: a partial closing marker, a newline that may be the markup's, half of a surrogate pair.
    let end = found.at === -1 ? input.buf.length : found.at;
    if (end > input.pos && input.buf[end - 1] === "\n") end--;
    if (end > input.pos && input.buf[end - 1] === "\r") end--;
    if (end > input.pos && isHighSurrogate(input.buf.charCodeAt(end - 1))) end--;
    this.write(writer, input.take(end));
    return "more";
  }

  private write(writer: CallWriter, piece: string): void {
    writer.write(piece);
    if (this.custom && piece !== "") this.pieces.push(piece);
  }

  /** A function tool's body must be a JSON object (`end` checks it); a custom tool's raw input is complete as it is. */
  private finish(writer: CallWriter, last: string): void {
    if (!this.custom) {
      writer.end(last);
      return;
    }
    this.write(writer, last);
    const { output } = this.scan;
    output.push({ type: "call-end", index: writer.index, arguments: this.pieces.join("") });
    output.atBoundary = true;
  }

  private fail(reason: string): Step {
    this.scan.output.invalidBeforeStart(reason);
    this.failed = true;
    return "done";
  }
}

function isNameEnd(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 60; // space, \n, \r, \t, <
}
