/** A literal that the input ends in the middle of: more text is needed to tell whether it matches. */
export const PARTIAL = Symbol("partial");
type Match = string | typeof PARTIAL | null;

/** Sees every character as it is consumed (the provenance gate). */
export interface ConsumeTap {
  feed(buf: string, from: number, to: number): void;
}

/**
 * The unconsumed text and a cursor into it. Readers consume text as they decide what it is; only a suffix that could
 * still begin a marker stays unconsumed between pushes, so each character is examined a bounded number of times.
 *
 * While a region is tentative (it may still turn out not to be a call), everything consumed is also copied into
 * `held`, so the region can be released as text if it is rejected.
 */
export class ScanInput {
  buf = "";
  pos = 0;
  /** No more text will come: a partial marker at the end is not a marker. */
  final = false;
  /** Raw text of the current tentative region, or null when nothing is tentative. */
  held: string | null = null;
  tap: ConsumeTap | null = null;

  append(chunk: string): void {
    this.buf = this.pos === this.buf.length ? chunk : this.buf.slice(this.pos) + chunk;
    this.pos = 0;
  }

  get rest(): number {
    return this.buf.length - this.pos;
  }

  code(offset = 0): number {
    const at = this.pos + offset;
    return at < this.buf.length ? this.buf.charCodeAt(at) : -1;
  }

  consume(count: number): void {
    if (this.held !== null) this.held += this.buf.slice(this.pos, this.pos + count);
    if (this.tap !== null) this.tap.feed(this.buf, this.pos, this.pos + count);
    this.pos += count;
  }

  /** Consumes and returns the text up to `end`. */
  take(end: number): string {
    const text = this.buf.slice(this.pos, end);
    if (this.held !== null) this.held += text;
    if (this.tap !== null) this.tap.feed(this.buf, this.pos, end);
    this.pos = end;
    return text;
  }

  /** Starts a tentative region at the cursor. */
  hold(): void {
    this.held = "";
  }

  /** The region turned out to be a call: nothing consumed so far will be released as text. */
  commit(): void {
    this.held = null;
  }

  /** Which of `literals` starts at `at`: the longest full match, PARTIAL if one may still match, else null. */
  match(literals: readonly string[], at = this.pos): Match {
    let best: string | null = null;
    let partial = false;
    for (const literal of literals) {
      const available = this.buf.length - at;
      if (available >= literal.length) {
        if ((best === null || literal.length > best.length) && this.buf.startsWith(literal, at)) best = literal;
      } else if (!this.final && literal.startsWith(this.buf.slice(at))) {
        partial = true;
      }
    }
    return partial ? PARTIAL : best;
  }

  /** Consumes whitespace; false when the text ran out before anything else. */
  skipSpace(): boolean {
    let i = this.pos;
    while (i < this.buf.length && isSpace(this.buf.charCodeAt(i))) i++;
    this.consume(i - this.pos);
    return i < this.buf.length;
  }
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 12 || code === 0xa0 || code === 0x3000;
}

export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Finds the first place in `buf` from `from` where one of `literals` starts. Returns its index and the literal, or the
 * index of a trailing partial match (which must be held back), or -1 when there is neither.
 */
export function findLiteral(input: ScanInput, from: number, literals: readonly string[]): { at: number; match: Match } {
  const { buf } = input;
  const firsts = firstCodes(literals);
  for (let i = from; i < buf.length; i++) {
    if (!firsts.has(buf.charCodeAt(i))) continue;
    const match = input.match(literals, i);
    if (match !== null) return { at: i, match };
  }
  return { at: -1, match: null };
}

const firstCodeCache = new WeakMap<readonly string[], Set<number>>();

function firstCodes(literals: readonly string[]): Set<number> {
  let codes = firstCodeCache.get(literals);
  if (!codes) {
    codes = new Set(literals.map((literal) => literal.charCodeAt(0)));
    firstCodeCache.set(literals, codes);
  }
  return codes;
}
