import { DialectCallReader } from "./dialect-call-reader.js";
import { FenceReader } from "./fence-reader.js";
import { MarkupWatcher } from "./markup-watcher.js";
import { OPEN_REASONING_CLOSE } from "./format-table.js";
import { QuoteTagReader } from "./quote-tag-reader.js";
import type { Reader, Scan, Step } from "./reader.js";
import { ReasoningReader } from "./reasoning-reader.js";
import { isSpace, PARTIAL } from "./scan-input.js";
import type { TriggerTable } from "./triggers.js";

/**
 * The top level: visible text, streamed as it arrives except for a suffix that could begin a marker. It hands calls,
 * reasoning blocks and fences to their readers, and keeps the two states in which nothing but a closing tag (and
 * the request's own call marker) is special: a code sample, and a quoted block (a forged or echoed marker), and an
 * inline code span, in which nothing is special up to its closing backticks or the end of its line.
 * Whitespace after a boundary (the start, a call, a reasoning block) is markup and dropped.
 */
export class TextReader implements Reader {
  private child: Reader | null = null;
  private lineStart = true;
  /** Inside a code sample: the closing fence. */
  private fence: string | null = null;
  /** Inside a quoted block: its closing tag. */
  private quoted: string | null = null;
  /** Inside an inline code span: its backticks. It ends there or at the end of the line. */
  private inline: string | null = null;
  /** Tracing only: call markup inside a code sample or inline code span. */
  private readonly watch: MarkupWatcher | null;
  /**
   * Tracing only: where the code of the current scan begins (a code sample only opens between scans, at the scan's
   * start; an inline span after its backticks), so code is handed to `watch` in pieces, not character by character.
   */
  private codeFrom = 0;

  constructor(
    private readonly scan: Scan,
    private readonly triggers: TriggerTable,
    reasoningOpen: boolean,
  ) {
    if (reasoningOpen) this.child = new ReasoningReader(scan, null, OPEN_REASONING_CLOSE);
    const tracer = scan.output.tracer;
    this.watch = tracer ? new MarkupWatcher(tracer.markers, tracer.note, "inside-code") : null;
  }

  step(): Step {
    const { input, output } = this.scan;
    for (;;) {
      const child = this.child;
      if (child) {
        const step = child.step();
        if (step === "more") return "more";
        this.child = null;
        output.gate?.close();
        if (step === "reject") {
          const held = input.held ?? "";
          output.text(held);
          this.lineStart = held === "" ? this.lineStart : endsLine(held);
        } else {
          this.lineStart = false;
        }
        input.commit();
        if (child instanceof QuoteTagReader && child.ownMarker) {
          this.child = new DialectCallReader(this.scan, this.triggers.nonce, true);
          continue;
        }
        if (child instanceof QuoteTagReader) this.quoted = child.close;
        if (child instanceof FenceReader) this.fence = child.codeSample;
        continue;
      }
      if (this.scanText()) continue;
      if (!input.final) return "more";
      if (this.fence !== null) this.watch?.end(IN_FENCE);
      if (this.inline !== null) this.watch?.end(IN_INLINE);
      return "done";
    }
  }

  /** Streams text up to the next marker; true when a reader took over. */
  private scanText(): boolean {
    const { input, output } = this.scan;
    const { buf } = input;
    let start = input.pos;
    let i = start;
    let lineStart = this.lineStart;
    const { watch } = this;
    this.codeFrom = start;
    while (i < buf.length) {
      const code = buf.charCodeAt(i);
      if (this.inline !== null) {
        if (code === 10) {
          this.inline = null;
          if (watch !== null) this.codeEnded(i, IN_INLINE);
        } else if (code === 96) {
          const ticks = backticks(buf, i);
          if (i + ticks === buf.length && !input.final) return this.pause(start, i, lineStart);
          if (ticks === this.inline.length) {
            this.inline = null;
            if (watch !== null) this.codeEnded(i, IN_INLINE);
          }
          i += ticks;
          lineStart = false;
          continue;
        }
        lineStart = code === 10;
        i++;
        continue;
      }
      const plain = this.fence === null && this.quoted === null;
      const boundary = plain && i === start && output.atBoundary;
      if (boundary && isSpace(code)) {
        if (code === 10) lineStart = true;
        start = ++i;
        continue;
      }
      if (this.triggers.starts(code)) {
        const closer = this.fence ?? this.quoted;
        if (closer !== null && buf.startsWith(closer.slice(0, 1), i)) {
          const match = this.fence !== null && !lineStart ? null : input.match([closer], i);
          if (match === PARTIAL) return this.pause(start, i, lineStart);
          if (match !== null) {
            i += match.length;
            if (this.fence !== null && watch !== null) this.codeEnded(i, IN_FENCE);
            this.fence = null;
            this.quoted = null;
            lineStart = false;
            continue;
          }
        }
        const trigger = this.fence !== null ? null : this.triggers.find(input, i, { boundary, lineStart, quoted: !plain });
        if (trigger === PARTIAL) return this.pause(start, i, lineStart);
        if (trigger === null && plain && code === 96) {
          // Not a fence: an inline code span, whose text is never a call.
          const ticks = backticks(buf, i);
          if (i + ticks === buf.length && !input.final) return this.pause(start, i, lineStart);
          this.inline = buf.slice(i, i + ticks);
          this.codeFrom = i + ticks;
          i += ticks;
          lineStart = false;
          continue;
        }
        if (trigger !== null) {
          this.flushTo(start, i);
          switch (trigger.action.type) {
            case "silent":
              input.consume(trigger.literal.length);
              start = i = input.pos;
              lineStart = false;
              continue;
            case "quote":
              this.child = new QuoteTagReader(this.scan, this.triggers.nonce);
              break;
            case "fence":
              this.child = new FenceReader(this.scan, this.triggers);
              break;
            case "reader":
              this.child = trigger.action.create(this.scan);
              break;
          }
          this.lineStart = lineStart;
          input.hold();
          // Foreign call markup (and fences, which may hold it) is judged by where it came from.
          const foreign = trigger.action.type === "fence" || (trigger.call && trigger.literal !== this.triggers.dialectOpen);
          if (foreign) output.gate?.open();
          return true;
        }
      }
      lineStart = code === 10 ? true : code === 32 || code === 9 ? lineStart : false;
      i++;
    }
    this.pause(start, i, lineStart);
    return false;
  }

  /** Tracing only: a code sample or span ended at `end`; its text since `codeFrom` is code too. */
  private codeEnded(end: number, detail: string): void {
    this.watch?.feed(this.scan.input.buf.slice(this.codeFrom, end));
    this.watch?.end(detail);
  }

  /** Emits the text before `end` (dropping boundary whitespace before `start`) and leaves the cursor at `end`. */
  private pause(start: number, end: number, lineStart: boolean): false {
    if (this.fence !== null || this.inline !== null) this.watch?.feed(this.scan.input.buf.slice(this.codeFrom, end));
    this.flushTo(start, end);
    this.lineStart = lineStart;
    return false;
  }

  private flushTo(start: number, end: number): void {
    const { input, output } = this.scan;
    output.text(input.buf.slice(start, end));
    input.pos = end;
  }
}

const IN_FENCE = "in a code sample (a fenced block that is not a call fence): code is never a call";
const IN_INLINE = "in an inline code span: code is never a call";

function backticks(buf: string, at: number): number {
  let end = at;
  while (end < buf.length && buf.charCodeAt(end) === 96) end++;
  return end - at;
}

function endsLine(text: string): boolean {
  let i = text.length - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t")) i--;
  return i < 0 ? false : text[i] === "\n";
}
