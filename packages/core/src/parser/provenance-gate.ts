import type { ScanEvent } from "../dialect/dialect.js";
import type { ProvenanceIndex } from "../provenance/provenance-index.js";
import type { SpanCursor } from "../provenance/sparse-suffix-index.js";
import type { ConsumeTap } from "./scan-input.js";

/**
 * - idle: outside foreign-format markup;
 * - watching: in foreign markup, no call started yet, and all of it so far occurs verbatim in some input;
 * - holding: a call started while its markup still occurs verbatim: its events wait here;
 * - released: the markup diverged from every input: the model wrote it, and its calls go out as usual;
 * - copied: a call's markup completed as a verbatim copy: it became text, and so does the rest of its markup.
 */
type Mode = "idle" | "watching" | "holding" | "released" | "copied";

/** What the gate needs from the scanner's output. */
export interface GatedOutput {
  text(text: string): void;
  atBoundary: boolean;
  /** Sends a held call's events on, giving the call its index now. */
  releaseCall(events: ScanEvent[]): void;
}

/**
 * Provenance: foreign-format call markup becomes a call only if the model wrote it, not when it copied it from the
 * request's inputs (a tool result, a fetched page, a user message). The text reader opens the gate where foreign markup
 * begins; every character the readers consume is then matched against the inputs' index. A call that starts while
 * the markup is still a verbatim copy is held back; the first character that no input continues releases it; if the
 * call ends (or fails) while still a copy, its markup is emitted as text instead. Each item of a wrapper or fence is
 * judged from its own first character when what precedes it is not a copy, so a quoted call cannot ride along behind
 * an authored one, nor inside markup the model put around a quotation (a code fence, a `<tool_call>` tag).
 */
export class ProvenanceGate implements ConsumeTap {
  private mode: Mode = "idle";
  /** The span so far, matched against the inputs. */
  private readonly cursor: SpanCursor;
  private span: string[] = [];
  /** Markup of this region before the span, not yet part of a released call: text again if the span is a copy. */
  private prefix: string[] = [];
  /** A call of this region went out: the markup consumed so far was its own. */
  private called = false;
  private held: ScanEvent[] = [];

  constructor(
    index: ProvenanceIndex,
    private readonly output: GatedOutput,
    private readonly onCopied?: (text: string) => void,
  ) {
    this.cursor = index.cursor();
  }

  /**
   * Tracing only: the markup of a call held back while it is still a verbatim copy (past `max` characters, only its
   * length, so a long copy is not joined again on every push), or null.
   */
  holding(max: number): string | null {
    if (this.mode !== "holding") return null;
    const parts = [...this.prefix, ...this.span];
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    return length <= max ? parts.join("") : `(${length} characters)`;
  }

  /** Foreign markup begins at the cursor. */
  open(): void {
    this.watch();
    this.prefix = [];
    this.called = false;
  }

  /** Another item of the same markup begins: judged on its own unless the markup is still undecided. */
  restart(): void {
    if (this.mode === "released" || this.mode === "copied") this.watch();
  }

  /** The markup's reader finished. */
  close(): void {
    if (this.mode === "holding") this.copy();
    this.mode = "idle";
    this.span = [];
    this.prefix = [];
  }

  private watch(): void {
    if (this.mode !== "released" || this.called) this.prefix = [];
    this.mode = "watching";
    this.cursor.reset();
    this.span = [];
  }

  feed(buf: string, from: number, to: number): void {
    switch (this.mode) {
      case "watching":
      case "holding": {
        const { cursor } = this;
        for (let i = from; i < to; i++) {
          if (!cursor.step(buf.charCodeAt(i))) {
            this.diverge(buf, from, to);
            return;
          }
        }
        this.span.push(buf.slice(from, to));
        return;
      }
      case "copied":
        this.output.text(buf.slice(from, to));
        return;
      case "released":
        if (!this.called) this.prefix.push(buf.slice(from, to));
        return;
      default:
        return;
    }
  }

  /** A call starts; true when it must be held back (its markup so far is a copy). */
  holdsCall(): boolean {
    if (this.mode !== "watching") {
      this.called = true;
      this.prefix = [];
      return false;
    }
    this.mode = "holding";
    return true;
  }

  /** Takes a held call's event; true when the event was held. */
  intercept(event: ScanEvent): boolean {
    if (this.mode !== "holding") return false;
    this.held.push(event);
    if (event.type === "call-end" || event.type === "call-invalid") this.copy();
    return true;
  }

  /** A call failed before it started; true when its markup was a copy and became text instead. */
  copiedInvalid(): boolean {
    if (this.mode !== "watching") return false;
    this.copy();
    return true;
  }

  /** The markup is not a copy from `from` on: a held call goes out; markup before any call may still be text. */
  private diverge(buf: string, from: number, to: number): void {
    const held = this.held;
    this.held = [];
    this.mode = "released";
    if (held.length > 0) {
      this.called = true;
      this.prefix = [];
      this.output.releaseCall(held);
    } else {
      this.prefix.push(...this.span, buf.slice(from, to));
    }
    this.span = [];
  }

  private copy(): void {
    this.held = [];
    this.mode = "copied";
    const text = this.prefix.join("") + this.span.join("");
    this.output.text(text);
    this.onCopied?.(text);
    this.prefix = [];
    this.span = [];
  }
}
