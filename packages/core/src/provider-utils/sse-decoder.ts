/** One server-sent event: its `event:` name when there was one, and its `data:` lines joined with "\n". */
export interface ServerSentEvent {
  event?: string;
  data: string;
}

const LINE_END = /\r\n|\r|\n/g;
const STREAM = { stream: true };

export interface SseDecoderOptions {
  /**
   * Dispatch every `data:` line as its own event, with the `event:` name in force, instead of joining the data lines
   * of one block. For upstreams (DeepSeek) that put one JSON document per line and omit the blank line between
   * frames, where the spec's joining would glue two documents into invalid JSON.
   */
  dataLinePerEvent?: boolean;
}

/**
 * The one incremental `text/event-stream` decoder providers share (the WHATWG framing): events end at a blank line,
 * `data:` lines of one event are joined, comment lines (`:` keep-alives) and `id:`/`retry:` are skipped, and `\r\n`,
 * `\r` or `\n` end lines. Feed it text (`push`) or raw bytes (`pushBytes`, any split, inside UTF-8 sequences too).
 *
 * It runs once per upstream token, so it avoids work per line: lines are found with `indexOf("\n")` when the text has
 * no `\r` (what nearly every server sends), fields are read in place, and single-line data is never joined.
 */
export class SseDecoder {
  private buffer = "";
  private data: string | undefined;
  private event: string | undefined;
  private readonly perLine: boolean;
  private utf8: TextDecoder | undefined;
  /** For pieces decoded on their own (see pushBytes). */
  private whole: TextDecoder | undefined;
  /** The streaming decoder may hold the start of a character split across pieces. */
  private partial = false;
  /** Bytes given to the streaming decoder (past 3, a byte order mark can no longer start the stream). */
  private streamed = 0;

  constructor(options: SseDecoderOptions = {}) {
    this.perLine = options.dataLinePerEvent ?? false;
  }

  /** Bytes as they arrive from a response body. */
  pushBytes(bytes: Uint8Array): ServerSentEvent[] {
    if (bytes.length === 0) return [];
    const last = bytes[bytes.length - 1] as number;
    // A piece that ends in an ASCII byte ends on a character boundary: when the streaming decoder holds nothing back,
    // it is decoded on its own, which is several times cheaper than a streaming decode. The first bytes always go
    // through the streaming decoder, which drops a leading byte order mark as the SSE spec says.
    if (this.streamed >= 3 && !this.partial && last < 0x80) {
      this.whole ??= new TextDecoder("utf-8", { ignoreBOM: true });
      return this.push(this.whole.decode(bytes));
    }
    this.utf8 ??= new TextDecoder("utf-8");
    this.partial = last >= 0x80;
    this.streamed += bytes.length;
    return this.push(this.utf8.decode(bytes, STREAM));
  }

  push(text: string): ServerSentEvent[] {
    const buffer = this.buffer === "" ? text : this.buffer + text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    if (buffer.indexOf("\r") === -1) {
      for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n", start)) {
        this.line(buffer, start, end, events);
        start = end + 1;
      }
    } else {
      for (;;) {
        LINE_END.lastIndex = start;
        const found = LINE_END.exec(buffer);
        // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
        if (!found || (found[0] === "\r" && found.index === buffer.length - 1)) break;
        this.line(buffer, start, found.index, events);
        start = found.index + found[0].length;
      }
    }
    this.buffer = start === 0 ? buffer : buffer.slice(start);
    return events;
  }

  /** The event left when the stream ends without a final blank line. */
  end(): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    const buffer = this.utf8 ? this.buffer + this.utf8.decode() : this.buffer;
    // A "\r" held back in case "\n" followed ended its line after all.
    if (buffer !== "") this.line(buffer, 0, buffer.endsWith("\r") ? buffer.length - 1 : buffer.length, events);
    this.buffer = "";
    this.line("", 0, 0, events);
    return events;
  }


  /** Handles the line `text.slice(start, end)`. */
  private line(text: string, start: number, end: number, events: ServerSentEvent[]) {
    if (start === end) {
      if (this.data !== undefined && !this.perLine) events.push(this.event === undefined ? { data: this.data } : { event: this.event, data: this.data });
      this.data = undefined;
      this.event = undefined;
      return;
    }
    if (text.startsWith("data:", start)) return this.addData(text.slice(text.charCodeAt(start + 5) === 32 ? start + 6 : start + 5, end), events);
    if (text.charCodeAt(start) === 58 /* ":" */) return;
    const colon = text.indexOf(":", start);
    const fieldEnd = colon === -1 || colon > end ? end : colon;
    const field = text.slice(start, fieldEnd);
    let valueStart = fieldEnd === end ? end : fieldEnd + 1;
    if (valueStart < end && text.charCodeAt(valueStart) === 32) valueStart++;
    if (field === "data") this.addData(text.slice(valueStart, end), events);
    else if (field === "event") this.event = text.slice(valueStart, end);
  }

  private addData(value: string, events: ServerSentEvent[]) {
    if (this.perLine) {
      events.push(this.event === undefined ? { data: value } : { event: this.event, data: value });
      return;
    }
    this.data = this.data === undefined ? value : `${this.data}\n${value}`;
  }
}
