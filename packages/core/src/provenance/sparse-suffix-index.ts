import type { SpanStarts } from "./span-starts.js";
import { sortSuffixes } from "./suffix-array.js";

/** Bytes per indexed character a build may take at its peak (text, suffix array, types, buckets of the recursion). */
export const BUILD_BYTES_PER_CHARACTER = 24;
/** Fixed cost of a build: the alphabet tables. */
export const BUILD_FIXED_BYTES = 1 << 20;
/** What a key reads past the end of a text: above every UTF-16 code unit, as the separator sorts in the array. */
const PAST_END = 65536;
const PAUSE_MASK = (1 << 16) - 1;

/**
 * The suffixes of the input texts that start where a copied call could start (see ./span-starts.ts), in sorted order:
 * the answer to "does this growing span occur in some input from one of those starts" is a range of them, narrowed
 * by two binary searches per character (one comparison once a single suffix is left). Holds the joined texts and two
 * numbers per start, instead of a structure over every character.
 */
export class SparseSuffixIndex {
  constructor(
    /** The texts joined (one separator between them, never compared: `ends` stops every suffix at its text's end). */
    readonly text: string,
    /** Start offsets in `text`, in the sorted order of their suffixes. */
    readonly positions: Int32Array,
    /** Where the text holding each suffix ends. */
    readonly ends: Int32Array,
  ) {}

  get bytes(): number {
    return this.text.length * 2 + this.positions.byteLength + this.ends.byteLength;
  }

  /** The code unit of suffix `i` at `depth`, or PAST_END once its text ended. */
  key(i: number, depth: number): number {
    const at = (this.positions[i] as number) + depth;
    return at < (this.ends[i] as number) ? this.text.charCodeAt(at) : PAST_END;
  }
}

/**
 * A span being matched: the range of sorted suffixes that begin with it. Amortised O(log k) per character for k
 * starts; the build is finished on first use if it has not finished yet.
 */
export class SpanCursor {
  private lo = 0;
  private hi = 0;
  private depth = 0;
  private index: SparseSuffixIndex | null = null;

  constructor(private readonly built: () => SparseSuffixIndex | null) {
    this.reset();
  }

  /** Back to the empty span. */
  reset(): void {
    this.lo = 0;
    this.hi = Number.MAX_SAFE_INTEGER;
    this.depth = 0;
  }

  /** Extends the span by `code`; false once it occurs in no input from a start (it stays so until `reset`). */
  step(code: number): boolean {
    if (this.lo >= this.hi) return false;
    const index = (this.index ??= this.built());
    if (!index) {
      this.hi = this.lo;
      return false;
    }
    if (this.hi > index.positions.length) this.hi = index.positions.length;
    const { lo, hi, depth } = this;
    if (hi - lo === 1) {
      if (index.key(lo, depth) !== code) this.hi = lo;
      else this.depth++;
      return this.hi > lo;
    }
    let a = lo;
    let b = hi;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (index.key(mid, depth) < code) a = mid + 1;
      else b = mid;
    }
    if (a === hi || index.key(a, depth) !== code) {
      this.hi = this.lo;
      return false;
    }
    let c = a;
    let d = hi;
    while (c < d) {
      const mid = (c + d) >>> 1;
      if (index.key(mid, depth) <= code) c = mid + 1;
      else d = mid;
    }
    this.lo = a;
    this.hi = c;
    this.depth++;
    return true;
  }
}

/** Builds the index of `texts` in steps (a generator: the caller decides when to go on). */
export function* buildSparseIndex(texts: readonly string[], starts: SpanStarts): Generator<void, SparseSuffixIndex, void> {
  const joined = texts.join("\u0000");
  // Every text ends with the separator (also the last: a suffix ending with its text sorts after its extensions, as
  // PAST_END says), then the sentinel.
  const n = joined.length + 2;
  // Code units ranked in order (1..m); the separator above them all (m + 1); the sentinel 0 last.
  const rank = new Int32Array(65536);
  for (let i = 0; i < joined.length; i++) rank[joined.charCodeAt(i)] = 1;
  let alphabet = 0;
  for (let code = 0; code < 65536; code++) if (rank[code] === 1) rank[code] = ++alphabet;
  const symbols = new Int32Array(n);
  const isStart = new Uint8Array(n);
  const bounds = new Int32Array(texts.length);
  let count = 0;
  for (let t = 0, offset = 0; t < texts.length; t++) {
    const text = texts[t] as string;
    for (let i = 0; i < text.length; i++) {
      symbols[offset + i] = rank[text.charCodeAt(i)] as number;
      if (starts.startsAt(text, i)) {
        isStart[offset + i] = 1;
        count++;
      }
      if ((i & PAUSE_MASK) === 0) yield;
    }
    offset += text.length;
    bounds[t] = offset;
    symbols[offset++] = alphabet + 1;
  }
  const sa = new Int32Array(n);
  yield* sortSuffixes(symbols, sa, alphabet + 2);
  const positions = new Int32Array(count);
  const ends = new Int32Array(count);
  for (let i = 0, j = 0; i < n; i++) {
    const position = sa[i] as number;
    if (isStart[position] !== 1) continue;
    positions[j] = position;
    ends[j++] = endOf(bounds, position);
  }
  return new SparseSuffixIndex(joined, positions, ends);
}

/** The end of the text holding `position` (the first bound above it). */
function endOf(bounds: Int32Array, position: number): number {
  let a = 0;
  let b = bounds.length - 1;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if ((bounds[mid] as number) <= position) a = mid + 1;
    else b = mid;
  }
  return bounds[a] as number;
}
