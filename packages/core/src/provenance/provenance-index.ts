import type { CanonicalRequest } from "../canonical.js";
import { SuffixAutomaton } from "./suffix-automaton.js";
import { unescapeJson } from "./unescape-json.js";
import { untrustedTexts } from "./untrusted-texts.js";

export interface ProvenanceOptions {
  /**
   * Declared tool names. A copied call names one, so a text in which none occurs (raw or JSON-unescaped) cannot be
   * the source of one and is not indexed. Absent: every text is indexed.
   */
  toolNames?: readonly string[];
  /** At most this many UTF-16 code units are indexed (default 4,000,000: about 1.5 MB of JSON tool results). */
  maxLength?: number;
}

/** JSON strings inside JSON strings: decoded this many levels deep. */
const UNESCAPE_LEVELS = 3;
const DEFAULT_MAX_LENGTH = 4_000_000;
/** Characters indexed per turn of the event loop by `prepare` (a few milliseconds). */
const SLICE = 32_768;

/**
 * An index of the request's untrusted input texts (and their JSON-unescaped forms), asked one character at a time:
 * "is the span read so far still a substring of some input?". The texts are collected at once (linear); the suffix
 * automaton is built by `prepare` in slices between turns of the event loop, and whatever is left of it on first use.
 */
export class ProvenanceIndex {
  readonly root = 0;
  /** The inputs are larger than `maxLength`: they cannot all be checked, so foreign formats must not be trusted. */
  readonly overBudget: boolean;
  /** Code units indexed (0 when nothing could be the source of a call, or over budget). */
  readonly length: number;
  private texts: string[];
  private automaton: SuffixAutomaton | null = null;
  /** Where the build stands: the text being added and how much of it is in. */
  private text = 0;
  private offset = 0;
  private complete = false;

  constructor(texts: readonly string[], options: ProvenanceOptions = {}) {
    const kept = selectTexts(texts, options.toolNames, options.maxLength ?? DEFAULT_MAX_LENGTH);
    this.overBudget = kept === null;
    this.texts = kept ?? [];
    this.length = this.texts.reduce((sum, text) => sum + text.length, 0);
  }

  /** The index of a canonical request's untrusted inputs, filtered by its declared tools. */
  static fromRequest(request: CanonicalRequest, options: Omit<ProvenanceOptions, "toolNames"> = {}): ProvenanceIndex {
    return new ProvenanceIndex(untrustedTexts(request), { ...options, toolNames: request.tools.map((tool) => tool.name) });
  }

  /** The state after `code`, or -1 once the span is in no input. */
  next(state: number, code: number): number {
    return (this.complete ? (this.automaton as SuffixAutomaton) : this.build(Number.POSITIVE_INFINITY)).next(state, code);
  }

  /** Whether `text` occurs verbatim in some input. */
  contains(text: string): boolean {
    return this.build(Number.POSITIVE_INFINITY).contains(text);
  }

  /**
   * Builds the index a slice at a time, yielding to the event loop in between, so a request with megabytes of tool
   * results does not hold up other requests while its upstream is still thinking. Stops when `signal` aborts; a scan
   * that needs the index first finishes the rest at once.
   */
  async prepare(signal?: AbortSignal): Promise<void> {
    while (!this.complete && signal?.aborted !== true) {
      this.build(SLICE);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Adds up to `budget` more characters; the automaton once complete. */
  private build(budget: number): SuffixAutomaton {
    const automaton = (this.automaton ??= new SuffixAutomaton(this.length));
    let left = budget;
    while (!this.complete && left > 0) {
      const text = this.texts[this.text];
      if (text === undefined) {
        this.complete = true;
        this.texts = [];
        break;
      }
      const to = Math.min(text.length, this.offset + left);
      automaton.add(text, this.offset, to);
      left -= to - this.offset;
      this.offset = to;
      if (to === text.length) {
        this.text++;
        this.offset = 0;
      }
    }
    return automaton;
  }
}

/**
 * Each text and its unescaped forms, keeping a form when a declared tool's name occurs in it or in its unescaped form
 * (a copied call may spell the name with JSON escapes, which the parser decodes once).
 */
function selectTexts(texts: readonly string[], toolNames: readonly string[] | undefined, max: number): string[] | null {
  // One pass per form whatever the number of tools: an alternation of literals, which cannot backtrack.
  const names = toolNames && new RegExp(toolNames.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") || "(?!)");
  const kept: string[] = [];
  let length = 0;
  const keep = (form: string): void => {
    kept.push(form);
    length += form.length;
  };
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
      if (!names || named[level] || named[level + 1]) keep(form);
    });
  }
  return length > max ? null : kept;
}
