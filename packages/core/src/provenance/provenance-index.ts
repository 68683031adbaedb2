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
/** Above this many (characters × tool names), the name filter would cost more than it saves and is skipped. */
const FILTER_BUDGET = 64_000_000;

/**
 * An index of the request's untrusted input texts (and their JSON-unescaped forms), asked one character at a time:
 * "is the span read so far still a substring of some input?". The texts are collected at once (linear); the suffix
 * automaton is built on first use, so replies without foreign-format markup never pay for it.
 */
export class ProvenanceIndex {
  readonly root = 0;
  /** The inputs are larger than `maxLength`: they cannot all be checked, so foreign formats must not be trusted. */
  readonly overBudget: boolean;
  /** Code units indexed (0 when nothing could be the source of a call). */
  readonly length: number;
  private texts: string[] | null;
  private automaton: SuffixAutomaton | null = null;

  constructor(texts: readonly string[], options: ProvenanceOptions = {}) {
    const kept = selectTexts(texts, options.toolNames);
    this.length = kept.reduce((sum, text) => sum + text.length, 0);
    this.overBudget = this.length > (options.maxLength ?? DEFAULT_MAX_LENGTH);
    this.texts = this.overBudget ? [] : kept;
  }

  /** The index of a canonical request's untrusted inputs, filtered by its declared tools. */
  static fromRequest(request: CanonicalRequest, options: Omit<ProvenanceOptions, "toolNames"> = {}): ProvenanceIndex {
    return new ProvenanceIndex(untrustedTexts(request), { ...options, toolNames: request.tools.map((tool) => tool.name) });
  }

  /** The state after `code`, or -1 once the span is in no input. */
  next(state: number, code: number): number {
    return (this.automaton ?? this.build()).next(state, code);
  }

  /** Whether `text` occurs verbatim in some input. */
  contains(text: string): boolean {
    return (this.automaton ?? this.build()).contains(text);
  }

  private build(): SuffixAutomaton {
    const automaton = new SuffixAutomaton(this.length);
    for (const text of this.texts ?? []) automaton.add(text);
    this.texts = null;
    this.automaton = automaton;
    return automaton;
  }
}

/**
 * Each text and its unescaped forms, keeping a form when a declared tool's name occurs in it or in its unescaped form
 * (a copied call may spell the name with JSON escapes, which the parser decodes once).
 */
function selectTexts(texts: readonly string[], toolNames: readonly string[] | undefined): string[] {
  const total = texts.reduce((sum, text) => sum + text.length, 0);
  const names = toolNames && total * toolNames.length <= FILTER_BUDGET ? toolNames : undefined;
  const kept: string[] = [];
  for (const text of texts) {
    const forms = [text];
    for (let level = 0, form = text; level < UNESCAPE_LEVELS; level++) {
      const decoded = unescapeJson(form);
      if (decoded === form) break;
      forms.push(decoded);
      form = decoded;
    }
    if (!names) {
      kept.push(...forms);
      continue;
    }
    const named = forms.map((form) => names.some((name) => form.includes(name)));
    forms.forEach((form, level) => {
      if (named[level] || named[level + 1]) kept.push(form);
    });
  }
  return kept;
}
