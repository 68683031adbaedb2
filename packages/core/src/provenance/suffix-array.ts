/** Iterations of a loop between two pauses of a build (a few milliseconds of work). */
const PAUSE_EVERY = 1 << 16;
const PAUSE_MASK = PAUSE_EVERY - 1;

/**
 * Sorts the suffixes of `text` into `sa` by induced sorting (SA-IS, Nong, Zhang and Chan 2009): time and extra memory
 * linear in the length whatever the text (no repetitive input makes it quadratic). `text` holds values in
 * [0, alphabet) and ends with its only 0. A generator so that a caller can spread the work over turns of the event
 * loop: it pauses every few milliseconds of work and resumes where it stopped.
 */
export function* sortSuffixes(text: Int32Array, sa: Int32Array, alphabet: number): Generator<void, void, void> {
  const n = text.length;
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  const stype = new Uint8Array(n);
  stype[n - 1] = 1;
  for (let i = n - 2; i >= 0; i--) {
    const a = text[i] as number;
    const b = text[i + 1] as number;
    stype[i] = a < b || (a === b && stype[i + 1] === 1) ? 1 : 0;
    if ((i & PAUSE_MASK) === 0) yield;
  }
  const sizes = new Int32Array(alphabet);
  for (let i = 0; i < n; i++) sizes[text[i] as number] = (sizes[text[i] as number] as number) + 1;
  const bucket = new Int32Array(alphabet);

  // Sort the LMS substrings: LMS positions at their buckets' ends, then induce.
  sa.fill(-1);
  tails(sizes, bucket);
  for (let i = 1; i < n; i++) if (isLms(stype, i)) sa[takeTail(bucket, text[i] as number)] = i;
  yield* induce(text, sa, stype, sizes, bucket);

  // Name the sorted LMS substrings; equal substrings share a name.
  let count = 0;
  for (let i = 0; i < n; i++) if (isLms(stype, sa[i] as number)) sa[count++] = sa[i] as number;
  sa.fill(-1, count);
  let names = 0;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const position = sa[i] as number;
    if (previous === -1 || !sameLms(text, stype, position, previous)) names++;
    previous = position;
    sa[count + (position >> 1)] = names - 1;
    if ((i & PAUSE_MASK) === 0) yield;
  }
  for (let i = n - 1, j = n - 1; i >= count; i--) if ((sa[i] as number) >= 0) sa[j--] = sa[i] as number;

  // Order the LMS suffixes: by recursion on the names when two substrings share one, else the names are the order.
  const reduced = sa.subarray(n - count);
  const order = sa.subarray(0, count);
  if (names < count) yield* sortSuffixes(reduced, order, names);
  else for (let i = 0; i < count; i++) order[reduced[i] as number] = i;

  // The LMS suffixes in order, at their buckets' ends, then induce every suffix from them.
  for (let i = 1, j = 0; i < n; i++) if (isLms(stype, i)) reduced[j++] = i;
  for (let i = 0; i < count; i++) order[i] = reduced[order[i] as number] as number;
  sa.fill(-1, count);
  tails(sizes, bucket);
  for (let i = count - 1; i >= 0; i--) {
    const position = sa[i] as number;
    sa[i] = -1;
    sa[takeTail(bucket, text[position] as number)] = position;
  }
  yield* induce(text, sa, stype, sizes, bucket);
}

/** Places the L-type suffixes from left to right, then the S-type ones from right to left. */
function* induce(text: Int32Array, sa: Int32Array, stype: Uint8Array, sizes: Int32Array, bucket: Int32Array): Generator<void> {
  const n = text.length;
  heads(sizes, bucket);
  for (let i = 0; i < n; i++) {
    const j = (sa[i] as number) - 1;
    if (j >= 0 && stype[j] === 0) sa[takeHead(bucket, text[j] as number)] = j;
    if ((i & PAUSE_MASK) === 0) yield;
  }
  tails(sizes, bucket);
  for (let i = n - 1; i >= 0; i--) {
    const j = (sa[i] as number) - 1;
    if (j >= 0 && stype[j] === 1) sa[takeTail(bucket, text[j] as number)] = j;
    if ((i & PAUSE_MASK) === 0) yield;
  }
}

/** The next free slot from the end of a bucket. */
function takeTail(bucket: Int32Array, symbol: number): number {
  const at = (bucket[symbol] as number) - 1;
  bucket[symbol] = at;
  return at;
}

/** The next free slot from the start of a bucket. */
function takeHead(bucket: Int32Array, symbol: number): number {
  const at = bucket[symbol] as number;
  bucket[symbol] = at + 1;
  return at;
}

function isLms(stype: Uint8Array, i: number): boolean {
  return i > 0 && stype[i] === 1 && stype[i - 1] === 0;
}

/** Whether the LMS substrings at a and b are equal (same characters and types up to and including the next LMS). */
function sameLms(text: Int32Array, stype: Uint8Array, a: number, b: number): boolean {
  for (let d = 0; ; d++) {
    if (text[a + d] !== text[b + d] || stype[a + d] !== stype[b + d]) return false;
    if (d > 0 && (isLms(stype, a + d) || isLms(stype, b + d))) return true;
  }
}

function heads(sizes: Int32Array, bucket: Int32Array): void {
  for (let c = 0, sum = 0; c < sizes.length; c++) {
    bucket[c] = sum;
    sum += sizes[c] as number;
  }
}

function tails(sizes: Int32Array, bucket: Int32Array): void {
  for (let c = 0, sum = 0; c < sizes.length; c++) {
    sum += sizes[c] as number;
    bucket[c] = sum;
  }
}
