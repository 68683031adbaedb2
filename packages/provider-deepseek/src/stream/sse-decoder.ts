/** One `data:` line of a DeepSeek event stream, with the `event:` name in force when it arrived ("message" if none). */
export interface SseFrame {
  event: string;
  data: string;
}

export interface SseDecoder {
  /** Feed the next bytes (any split, including inside a UTF-8 sequence or a CR LF pair). */
  push(bytes: Uint8Array): SseFrame[];
  /** Flush a last line that had no line terminator. */
  end(): SseFrame[];
}

/**
 * Incremental `text/event-stream` decoder tuned to DeepSeek's streams.
 *
 * It departs from the SSE spec in one place on purpose: every `data:` line is dispatched as its own frame instead of
 * being joined with the following `data:` lines of the same block. DeepSeek always puts one JSON document on one line,
 * and the documented Gen-2 streams omit the blank line between frames, which the spec's joining would turn into
 * invalid JSON. Comment lines (`: keep-alive`) and unknown fields are ignored. Work is linear in the input: only new
 * text is scanned for line ends.
 */
export function createSseDecoder(): SseDecoder {
  const decoder = new TextDecoder("utf-8");
  let partial = "";
  let skipLeadingLf = false;
  let event = "message";

  const takeLine = (line: string, out: SseFrame[]): void => {
    if (line === "") {
      event = "message";
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value === "" ? "message" : value;
    else if (field === "data") out.push({ event, data: value });
  };

  const scan = (text: string, out: SseFrame[]): void => {
    let start = 0;
    if (skipLeadingLf && text.startsWith("\n")) start = 1;
    skipLeadingLf = false;
    // DeepSeek ends lines with LF; a lone CR (allowed by the spec) is rare enough to take the slower path only when
    // the chunk contains one.
    const hasCr = text.includes("\r", start);
    for (;;) {
      const lf = text.indexOf("\n", start);
      const cr = hasCr ? text.indexOf("\r", start) : -1;
      const end = cr !== -1 && (lf === -1 || cr < lf) ? cr : lf;
      if (end === -1) break;
      const line = partial + text.slice(start, end);
      partial = "";
      takeLine(line, out);
      start = end + 1;
      if (end === cr) {
        if (start < text.length) {
          if (text.charCodeAt(start) === 10) start++;
        } else {
          skipLeadingLf = true;
        }
      }
    }
    partial += text.slice(start);
  };

  return {
    push(bytes) {
      const out: SseFrame[] = [];
      scan(decoder.decode(bytes, { stream: true }), out);
      return out;
    },
    end() {
      const out: SseFrame[] = [];
      scan(decoder.decode(), out);
      if (partial !== "") {
        const line = partial;
        partial = "";
        takeLine(line, out);
      }
      return out;
    },
  };
}
