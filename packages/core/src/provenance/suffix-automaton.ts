const NONE = -1;
/**
 * Per state: length, suffix link + 1, the code + 1 and target of its first transition, the slot + 1 of the first of its
 * other transitions. Zero means "none" everywhere, so fresh (zero-filled, lazily mapped) memory needs no filling.
 */
const STRIDE = 5;
/** Per slot of the table of other transitions: from + 1 (0: empty slot), code, to, the next slot + 1 of the same state. */
const SLOT = 4;

/**
 * The suffix automaton of a set of texts: every substring of a text is a path from the root, so "is this growing span
 * still a substring of some text" costs one transition per character. Built online in time linear in the total
 * length, in typed arrays (at most 2n states and 3n transitions). Each text is added from the root (a generalized
 * automaton), so no path crosses from one text into the next. Most states have one transition, kept inline with the
 * state; the others live in an open-addressing hash table keyed by (state, code), because UTF-16 is too wide an
 * alphabet for dense rows.
 */
export class SuffixAutomaton {
  readonly root = 0;
  private states: Int32Array;
  private table: Int32Array;
  private mask: number;
  private count = 1;
  private others = 0;
  private transitions = 0;
  private last = 0;

  constructor(expectedLength = 0) {
    // The most states n characters can need: pages not touched cost nothing, so no growth is ever needed for `add`s
    // totalling `expectedLength`.
    this.states = new Int32Array((2 * expectedLength + 16) * STRIDE);
    const slots = 2 ** Math.ceil(Math.log2(Math.max(64, expectedLength / 2)));
    this.table = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
  }

  /** How big it grew, for tests and measurements. */
  get size(): { states: number; transitions: number } {
    return { states: this.count, transitions: this.transitions };
  }

  /** Adds a text; in pieces when `from`/`to` are given: a text continues where its previous piece ended. */
  add(text: string, from = 0, to = text.length): void {
    if (from === 0) this.last = this.root;
    for (let i = from; i < to; i++) this.extend(text.charCodeAt(i));
  }

  /** The state after reading `code` from `state`, or -1 when the span read so far plus `code` is in no text. */
  next(state: number, code: number): number {
    const base = state * STRIDE;
    const states = this.states;
    if (states[base + 2] === code + 1) return states[base + 3] as number;
    if (states[base + 4] === 0) return NONE;
    const slot = this.find(state, code);
    return slot === NONE ? NONE : (this.table[slot * SLOT + 2] as number);
  }

  /** Whether `text` is a substring of one of the texts. */
  contains(text: string): boolean {
    let state = this.root;
    for (let i = 0; i < text.length && state >= 0; i++) state = this.next(state, text.charCodeAt(i));
    return state >= 0;
  }

  private extend(code: number): void {
    // A later text repeating what an earlier one holds: walk (and split where needed) the existing states.
    const existing = this.next(this.last, code);
    if (existing !== NONE) {
      this.last = this.lengthOf(this.last) + 1 === this.lengthOf(existing) ? existing : this.split(this.last, code, existing);
      return;
    }
    const current = this.newState(this.lengthOf(this.last) + 1);
    let p = this.last;
    let q = NONE;
    while (p !== NONE) {
      q = this.next(p, code);
      if (q !== NONE) break;
      this.addTransition(p, code, current);
      p = this.linkOf(p);
    }
    if (p === NONE) {
      this.setLink(current, this.root);
    } else if (this.lengthOf(p) + 1 === this.lengthOf(q)) {
      this.setLink(current, q);
    } else {
      this.setLink(current, this.split(p, code, q));
    }
    this.last = current;
  }

  /** Splits state q, reached from p on `code`, so that p's path ends in a state of length length(p) + 1. */
  private split(p: number, code: number, q: number): number {
    const clone = this.newState(this.lengthOf(p) + 1);
    const states = this.states;
    const from = q * STRIDE;
    if (states[from + 2] !== 0) this.addTransition(clone, (states[from + 2] as number) - 1, states[from + 3] as number);
    for (let slot = (states[from + 4] as number) - 1; slot !== NONE; slot = (this.table[slot * SLOT + 3] as number) - 1) {
      const at = slot * SLOT;
      this.addTransition(clone, this.table[at + 1] as number, this.table[at + 2] as number);
    }
    this.setLink(clone, this.linkOf(q));
    let at = p;
    while (at !== NONE && this.redirect(at, code, q, clone)) at = this.linkOf(at);
    this.setLink(q, clone);
    return clone;
  }

  /** Points p's transition on `code` at `clone` if it pointed at `q`; false when it did not. */
  private redirect(p: number, code: number, q: number, clone: number): boolean {
    const base = p * STRIDE;
    const states = this.states;
    if (states[base + 2] === code + 1) {
      if (states[base + 3] !== q) return false;
      states[base + 3] = clone;
      return true;
    }
    const at = this.find(p, code) * SLOT;
    if (this.table[at + 2] !== q) return false;
    this.table[at + 2] = clone;
    return true;
  }

  private lengthOf(state: number): number {
    return this.states[state * STRIDE] as number;
  }

  private linkOf(state: number): number {
    return (this.states[state * STRIDE + 1] as number) - 1;
  }

  private setLink(state: number, link: number): void {
    this.states[state * STRIDE + 1] = link + 1;
  }

  private newState(length: number): number {
    if ((this.count + 1) * STRIDE > this.states.length) {
      const bigger = new Int32Array(this.states.length * 2);
      bigger.set(this.states);
      this.states = bigger;
    }
    const state = this.count++;
    this.states[state * STRIDE] = length;
    return state;
  }

  private addTransition(from: number, code: number, to: number): void {
    this.transitions++;
    const base = from * STRIDE;
    if (this.states[base + 2] === 0) {
      this.states[base + 2] = code + 1;
      this.states[base + 3] = to;
      return;
    }
    if ((this.others + 1) * 2 > this.mask + 1) this.rehash();
    this.others++;
    this.insert(from, code, to);
  }

  private insert(from: number, code: number, to: number): void {
    const { table, mask } = this;
    let slot = hash(from, code) & mask;
    while (table[slot * SLOT] !== 0) slot = (slot + 1) & mask;
    const at = slot * SLOT;
    table[at] = from + 1;
    table[at + 1] = code;
    table[at + 2] = to;
    table[at + 3] = this.states[from * STRIDE + 4] as number;
    this.states[from * STRIDE + 4] = slot + 1;
  }

  private find(state: number, code: number): number {
    const { table, mask } = this;
    const key = state + 1;
    for (let slot = hash(state, code) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const from = table[at] as number;
      if (from === 0) return NONE;
      if (from === key && table[at + 1] === code) return slot;
    }
  }

  private rehash(): void {
    const old = this.table;
    const slots = (this.mask + 1) * 2;
    this.table = new Int32Array(slots * SLOT);
    this.mask = slots - 1;
    for (let state = 0; state < this.count; state++) this.states[state * STRIDE + 4] = 0;
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] !== 0) this.insert((old[at] as number) - 1, old[at + 1] as number, old[at + 2] as number);
    }
  }
}

function hash(state: number, code: number): number {
  let h = Math.imul(state, 0x9e3779b1) ^ code;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}
