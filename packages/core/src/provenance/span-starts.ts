import { BARE_ITEMS, BARE_JSON, type ItemSyntax, WRAPPERS } from "../parser/format-table.js";
import { isSpace } from "../parser/scan-input.js";

/**
 * Where a copied call's markup can begin. The provenance gate matches a span from where foreign markup opens (a call
 * trigger of the format table, or a code fence) or from where an item of a wrapper or fence begins (its opener, a
 * name prefix such as `functions.`, or for items that begin with their name, a declared tool's name). So a copy in an
 * input starts with one of these literals, and only the input suffixes starting at one need indexing. A JSON call
 * (bare, or an item) is read only as `{` then a key in quotes, so `{` counts where `"` follows it (after whitespace)
 * and `[` where such a `{` does: code's `{ x }` and `[1, 2]` are not starts.
 */
const FORMAT_LITERALS: readonly string[] = (() => {
  const literals = new Set<string>(["```"]);
  const visit = (syntax: ItemSyntax): void => {
    if (syntax.kind === "json") return;
    for (const literal of syntax.open) literals.add(literal);
    if (syntax.kind === "named") for (const literal of syntax.prefixes) literals.add(literal);
    if (syntax.kind === "wrapper") syntax.items.forEach(visit);
  };
  [...WRAPPERS, ...BARE_ITEMS, BARE_JSON].forEach(visit);
  literals.delete("");
  return [...literals];
})();

const SHARED_MAX = 32;
const shared = new Map<string, SpanStarts>();

interface TrieNode {
  next: Map<number, TrieNode>;
  end: boolean;
}

/**
 * Finds the positions where a span may start: a trie of the literals, walked from each position whose character
 * begins one (a lookup per character elsewhere). The walk from one position is at most the longest literal long.
 */
export class SpanStarts {
  private readonly root: TrieNode = { next: new Map(), end: false };
  /** Characters that begin some literal. */
  private readonly first = new Uint8Array(65536);

  /**
   * The starts for these tool names, shared: they never change once built, and an agent sends the same tools with
   * every turn. Building them per request cost ~175 KB each (the 64 KB table and the trie's maps), held for as long
   * as the request streamed. The cache is small and bounded, so a client sending ever-new tool sets costs what
   * building per request did.
   */
  static for(toolNames: readonly string[] | undefined): SpanStarts {
    const key = toolNames === undefined ? "" : JSON.stringify(toolNames); // unambiguous whatever the names contain
    let starts = shared.get(key);
    if (starts) {
      shared.delete(key); // most recently used last, so the oldest is the one evicted
    } else {
      starts = new SpanStarts(toolNames && [...toolNames]);
      if (shared.size >= SHARED_MAX) shared.delete(shared.keys().next().value as string);
    }
    shared.set(key, starts);
    return starts;
  }

  /** `toolNames` absent: any position may start a span (every suffix is indexed). */
  constructor(private readonly toolNames: readonly string[] | undefined) {
    for (const literal of [...FORMAT_LITERALS, ...(toolNames ?? [])]) this.add(literal);
  }

  /** The first start at or after `from`, or -1. */
  firstIn(text: string, from = 0): number {
    if (!this.toolNames) return from < text.length ? from : -1;
    for (let i = from; i < text.length; i++) if (this.startsAt(text, i)) return i;
    return -1;
  }

  startsAt(text: string, at: number): boolean {
    if (!this.toolNames) return true;
    const code = text.charCodeAt(at);
    if ((code === 123 || code === 91) && jsonCallAt(text, at)) return true;
    if (this.first[code] !== 1) return false;
    let node: TrieNode | undefined = this.root;
    for (let i = at; i < text.length; i++) {
      node = node.next.get(text.charCodeAt(i));
      if (!node) return false;
      if (node.end) return true;
    }
    return false;
  }

  private add(literal: string): void {
    if (literal === "") return;
    this.first[literal.charCodeAt(0)] = 1;
    let node = this.root;
    for (let i = 0; i < literal.length; i++) {
      const code = literal.charCodeAt(i);
      let child = node.next.get(code);
      if (!child) {
        child = { next: new Map(), end: false };
        node.next.set(code, child);
      }
      node = child;
    }
    node.end = true;
  }
}

/** `{` then a quoted key, or `[` then such a `{`, whitespace allowed between (what the JSON call reader accepts). */
function jsonCallAt(text: string, at: number): boolean {
  let i = at + 1;
  if (text.charCodeAt(at) === 91) {
    while (isSpace(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 123) return false;
    i++;
  }
  while (isSpace(text.charCodeAt(i))) i++;
  return text.charCodeAt(i) === 34;
}
