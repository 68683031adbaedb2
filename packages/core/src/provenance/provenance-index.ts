import type { CanonicalRequest } from "../canonical.js";
import { defaultProvenanceBudget, type ProvenanceBudget } from "./provenance-budget.js";
import { SpanStarts } from "./span-starts.js";
import {
  BUILD_BYTES_PER_CHARACTER,
  BUILD_FIXED_BYTES,
  buildSparseIndex,
  SpanCursor,
  type SparseSuffixIndex,
} from "./sparse-suffix-index.js";
import { unescapeJson } from "./unescape-json.js";
import { untrustedTexts } from "./untrusted-texts.js";

export interface ProvenanceOptions {
  /**
   * Declared tool names. A copied call names one, so a text in which none occurs (raw or JSON-unescaped) cannot be
   * the source of one and is not indexed. Absent: every text is indexed, from every position.
   */
  toolNames?: readonly string[];
  /** At most this many UTF-16 code units are indexed (default 4,000,000: about 1.5 MB of JSON tool results). */
  maxLength?: number;
  /** Process-wide memory shared with the other requests' indexes (default: `defaultProvenanceBudget`, 256 MB). */
  budget?: ProvenanceBudget;
}

/**
 * Whether the inputs are checked: `indexed`, `not-needed` (no input holds both a declared tool's name and the start
 * of foreign markup: nothing to index), or `nonce-only` (they could not be indexed: over the per-request `maxLength`
 * or the process-wide budget, so foreign formats are off for the request and only the nonce marker makes calls).
 */
export type ProvenanceMode = "indexed" | "not-needed" | "nonce-only";

/** JSON strings inside JSON strings: decoded this many levels deep. */
const UNESCAPE_LEVELS = 3;
const DEFAULT_MAX_LENGTH = 4_000_000;
/** Build steps per turn of the event loop in `prepare` (each a pass over up to 65,536 entries: a few ms in all). */
const STEPS_PER_TURN = 8;

/** An index its request forgot to release (a consumer that never finished nor returned) still gives its bytes back. */
const abandoned = new FinalizationRegistry<{ budget: ProvenanceBudget; ticket: { reserved: number } }>(({ budget, ticket }) =>
  budget.release(ticket.reserved),
);

/**
 * An index of the request's untrusted input texts (and their JSON-unescaped forms), asked one character at a time:
 * "does the span read so far occur in some input, from a place where markup can start?". Only texts holding a
 * declared tool's name and a start are kept, each from its first start; the sorted suffixes from the starts are built
 * by `prepare` in steps between turns of the event loop, and whatever is left of it on first use.
 */
export class ProvenanceIndex {
  readonly mode: ProvenanceMode;
  /** Why the mode is nonce-only, for logs. */
  readonly reason: "request-limit" | "process-budget" | undefined;
  /** Code units indexed (0 when nothing could be the source of a call, or nonce-only). */
  readonly length: number;
  private readonly budget: ProvenanceBudget;
  /** Bytes held against the budget, in an object of its own so the finalizer below can read it. */
  private readonly ticket = { reserved: 0 };
  private released = false;
  private steps: Generator<void, SparseSuffixIndex, void> | null = null;
  private index: SparseSuffixIndex | null = null;

  constructor(texts: readonly string[], options: ProvenanceOptions = {}) {
    this.budget = options.budget ?? defaultProvenanceBudget;
    const starts = SpanStarts.for(options.toolNames);
    const max = options.maxLength ?? DEFAULT_MAX_LENGTH;
    const kept = selectTexts(texts, options.toolNames, starts, max);
    const length = kept?.reduce((sum, text) => sum + text.length, 0) ?? 0;
    if (kept === null) {
      this.reason = "request-limit";
    } else if (length > 0 && !this.budget.reserve(buildBytes(length))) {
      this.reason = "process-budget";
    } else {
      this.reason = undefined;
      this.ticket.reserved = length > 0 ? buildBytes(length) : 0;
      if (length > 0) abandoned.register(this, { budget: this.budget, ticket: this.ticket }, this);
    }
    this.mode = this.reason ? "nonce-only" : length > 0 ? "indexed" : "not-needed";
    this.length = this.mode === "indexed" ? length : 0;
    if (this.mode === "indexed") this.steps = buildSparseIndex(kept as string[], starts);
  }

  /** The index of a canonical request's untrusted inputs, filtered by its declared tools. */
  static fromRequest(request: CanonicalRequest, options: Omit<ProvenanceOptions, "toolNames"> = {}): ProvenanceIndex {
    return new ProvenanceIndex(untrustedTexts(request), { ...options, toolNames: request.tools.map((tool) => tool.name) });
  }

  /** The inputs could not all be checked, so foreign formats must not be trusted. */
  get overBudget(): boolean {
    return this.mode === "nonce-only";
  }

  /** Bytes the index holds against the budget now (the build's peak until it is built). */
  get bytes(): number {
    return this.ticket.reserved;
  }

  /** A span matcher; the gate keeps one and resets it where markup begins. */
  cursor(): SpanCursor {
    return new SpanCursor(() => this.finish());
  }

  /** Whether `text` occurs verbatim in some input from a place where markup can start. */
  contains(text: string): boolean {
    const cursor = this.cursor();
    for (let i = 0; i < text.length; i++) if (!cursor.step(text.charCodeAt(i))) return false;
    return true;
  }

  /**
   * Builds the index a step at a time, yielding to the event loop in between, so a request with megabytes of tool
   * results does not hold up other requests while its upstream is still thinking. Stops when `signal` aborts; a scan
   * that needs the index first finishes the rest at once.
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    while (this.steps && signal?.aborted !== true) {
      for (let i = 0; i < STEPS_PER_TURN && this.steps; i++) this.advance();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /**
   * Gives the index's memory back to the budget: the request is over. A lookup after this still gets a correct
   * answer (the index is not dropped here; it goes with the request).
   */
  release(): void {
    this.budget.release(this.ticket.reserved);
    this.ticket.reserved = 0;
    this.released = true;
    abandoned.unregister(this);
  }

  /** The built index (finishing the build now if needed); null when there is nothing to match. */
  private finish(): SparseSuffixIndex | null {
    while (this.steps) this.advance();
    return this.index;
  }

  /** One step of the build; once built, keeps only what the built index holds reserved. */
  private advance(): void {
    const step = (this.steps as Generator<void, SparseSuffixIndex, void>).next();
    if (step.done !== true) return;
    this.steps = null;
    this.index = step.value;
    if (this.released) return;
    const bytes = Math.min(this.ticket.reserved, this.index.bytes);
    this.budget.release(this.ticket.reserved - bytes);
    this.ticket.reserved = bytes;
  }
}

function buildBytes(length: number): number {
  return length * BUILD_BYTES_PER_CHARACTER + BUILD_FIXED_BYTES;
}

/**
 * Each text and its unescaped forms, keeping a form when a declared tool's name occurs in it or in its unescaped form
 * (a copied call may spell the name with JSON escapes, which the parser decodes once) and markup can start in it;
 * a kept form is cut before its first start. Null once over `max`.
 */
function selectTexts(texts: readonly string[], toolNames: readonly string[] | undefined, starts: SpanStarts, max: number): string[] | null {
  // One pass per form whatever the number of tools: an alternation of literals, which cannot backtrack. A name the
  // parser reads ends at markup, a quote or whitespace in every format, never at a letter, digit or underscore: a
  // declared "Read" inside "ReadableStream" cannot be a copied call's name.
  const alternatives = toolNames?.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|");
  const names = toolNames && new RegExp(alternatives ? `(?:${alternatives})(?![A-Za-z0-9_])` : "(?!)");
  const kept: string[] = [];
  let length = 0;
  for (const text of texts) {
    // Over budget: stop before decoding the rest (a 10 MB request would otherwise be decoded for nothing).
    if (length > max) return null;
    const forms = [text];
    for (let level = 0, form = text; level < UNESCAPE_LEVELS; level++) {
      const decoded = unescapeJson(form);
      if (decoded === form) break;
      forms.push(decoded);
      form = decoded;
    }
    const named = names ? forms.map((form) => names.test(form)) : [];
    forms.forEach((form, level) => {
      if (names && !named[level] && !named[level + 1]) return;
      const first = starts.firstIn(form);
      if (first === -1) return;
      kept.push(first === 0 ? form : form.slice(first));
      length += form.length - first;
    });
  }
  return length > max ? null : kept;
}
