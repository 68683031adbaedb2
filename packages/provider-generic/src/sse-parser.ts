/** One server-sent event: its `event:` name when there was one, and its `data:` lines joined with "\n". */
export interface ServerSentEvent {
  event?: string;
  data: string;
}

/**
 * An incremental parser for `text/event-stream` (the WHATWG framing): events end at a blank line, `data:` lines of one
 * event are joined, comment lines (`:` keep-alives) and `id:`/`retry:` are skipped, and `\r\n`, `\r` or `\n` end lines.
 */
export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event: string | undefined;

  push(text: string): ServerSentEvent[] {
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/g;
      match.lastIndex = start;
      const found = match.exec(this.buffer);
      // A lone "\r" at the very end may be the first half of "\r\n": wait for the next chunk.
      if (!found || (found[0] === "\r" && found.index === this.buffer.length - 1)) break;
      this.line(this.buffer.slice(start, found.index), events);
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The event left when the stream ends without a final blank line. */
  end(): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    if (this.buffer !== "") this.line(this.buffer, events);
    this.buffer = "";
    this.line("", events);
    return events;
  }

  private line(line: string, events: ServerSentEvent[]) {
    if (line === "") {
      if (this.data.length > 0) {
        events.push(this.event === undefined ? { data: this.data.join("\n") } : { event: this.event, data: this.data.join("\n") });
      }
      this.data = [];
      this.event = undefined;
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }
}
