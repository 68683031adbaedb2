import type { NoteSink } from "./parser-note.js";

/** Characters of context kept after a marker seen inside code or reasoning. */
const CONTEXT = 120;
/** Text is searched in batches of at least this many characters, so one-character feeds stay cheap. */
const BATCH = 256;

/**
 * Tracing only: watches a region whose text is never a call (a code sample, an inline code span, a reasoning block)
 * for call markers, and reports the first one with what follows it when the region ends. It sees the region's text in
 * order, one piece at a time, and keeps a window of the last characters across pieces, so a marker split between two
 * pushes is found and the notes are the same for every chunking.
 */
export class MarkupWatcher {
  private window = "";
  private pending = "";
  private found: string | null = null;
  private readonly longest: number;

  constructor(
    private readonly markers: readonly string[],
    private readonly note: NoteSink,
    private readonly reason: "inside-code" | "inside-reasoning",
  ) {
    this.longest = markers.reduce((max, marker) => Math.max(max, marker.length), 0);
  }

  feed(text: string): void {
    if (this.found !== null && this.found.length - this.window.length >= CONTEXT) return;
    this.pending += text;
    if (this.pending.length >= BATCH) this.flush();
  }

  private flush(): void {
    const text = this.pending;
    this.pending = "";
    if (text === "") return;
    if (this.found !== null) {
      this.found += text.slice(0, CONTEXT - (this.found.length - this.window.length));
      return;
    }
    const joined = this.window + text;
    let at = -1;
    let marker = "";
    for (const candidate of this.markers) {
      const index = joined.indexOf(candidate);
      if (index !== -1 && (at === -1 || index < at)) {
        at = index;
        marker = candidate;
      }
    }
    if (at === -1) {
      this.window = joined.slice(-Math.max(0, this.longest - 1));
      return;
    }
    // `window` now measures the marker, so the context after it is bounded by CONTEXT.
    this.window = marker;
    this.found = joined.slice(at, at + marker.length + CONTEXT);
  }

  /** The region ended: reports what it found, and starts over for the next region. */
  end(detail: string): void {
    this.flush();
    if (this.found !== null) this.note({ type: "not-a-call", reason: this.reason, text: this.found, detail });
    this.found = null;
    this.window = "";
  }
}
