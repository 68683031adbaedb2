import { CodeWriter, encodeWasmModule, I32, I64, op, type ValueType, type WasmFunction } from "./wasm-writer.js";

/**
 * Emits the WebAssembly DeepSeekHashV1 kernel. Keccak-f[1600] is written out on native 64-bit lanes (i64.xor, i64.and,
 * i64.rotl), every round unrolled with its constants inline, and the 25 lanes held in locals so the engine's register
 * allocator, not memory, carries the state between steps. The search loop runs inside the module: one call tries a
 * whole batch of nonces, keeping the nonce as decimal digits in memory and incrementing them in place.
 *
 * Memory layout (byte addresses, exported as i32 globals of the same names so the caller never hard-codes them):
 * - `state`: 25 lanes that `permute(state)` transforms in place (used to absorb whole blocks and for plain hashing);
 * - `base`: the search's last block with everything constant already in it (absorbed prefix blocks, the prefix tail,
 *   the final 0x80), 25 lanes;
 * - `digits`: 136 bytes that are zero except for the nonce digits and the 0x06 after them; XORed onto `base` per try;
 * - `target`: the wanted digest, 4 lanes;
 * - `tail` / `last` (i32): offset of the nonce's first and last digit in the block.
 *
 * `firstRound` is 1 for DeepSeekHashV1; 0 gives standard SHA3-256, which is how the tests check the permutation.
 */
export function emitPowWasmModule(firstRound = 1): Uint8Array<ArrayBuffer> {
  const layout = { state: 0, base: 256, digits: 512, target: 768, tail: 800, last: 804 };
  return encodeWasmModule({
    memoryPages: 1,
    constants: layout,
    functions: [permuteFunction(firstRound), searchFunction(firstRound, layout)],
  });
}

const LANES = 25;
const RATE_LANES = 17;
const ASCII_ZERO = 0x30;
const ASCII_NINE = 0x39;
const SHA3_PAD = 0x06;

/** ρ rotation of lane x + 5y. */
const RHO = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

/** ι constants, round 0 to 23. */
const ROUND_CONSTANTS = [
  0x0000000000000001n, 0x0000000000008082n, 0x800000000000808an, 0x8000000080008000n,
  0x000000000000808bn, 0x0000000080000001n, 0x8000000080008081n, 0x8000000000008009n,
  0x000000000000008an, 0x0000000000000088n, 0x0000000080008009n, 0x000000008000000an,
  0x000000008000808bn, 0x800000000000008bn, 0x8000000000008089n, 0x8000000000008003n,
  0x8000000000008002n, 0x8000000000000080n, 0x000000000000800an, 0x800000008000000an,
  0x8000000080008081n, 0x8000000000008080n, 0x0000000080000001n, 0x8000000080008008n,
];

/** π moves lane (x, y) to (y, 2x + 3y); `PI_SOURCE[j]` is the lane that lands on j. */
const PI_SOURCE: number[] = [];
for (let x = 0; x < 5; x++) {
  for (let y = 0; y < 5; y++) PI_SOURCE[y + 5 * ((2 * x + 3 * y) % 5)] = x + 5 * y;
}

const byNumber = (p: number, q: number): number => p - q;

/** Local indices of the permutation's working values, allocated after `first`. */
interface KeccakLocals {
  a: number[];
  b: number[];
  c: number[];
  d: number[];
}

function keccakLocals(first: number): { locals: KeccakLocals; types: ValueType[] } {
  const range = (start: number, length: number): number[] => Array.from({ length }, (_, i) => start + i);
  const locals = { a: range(first, 25), b: range(first + 25, 25), c: range(first + 50, 5), d: range(first + 55, 5) };
  return { locals, types: new Array<ValueType>(60).fill(I64) };
}

/**
 * One Keccak round from lanes `a` back into `a`, computing only the lanes in `outputs` (a round that feeds only the
 * digest comparison needs 4 of 25, and a missing value costs nothing rather than relying on the engine to drop it).
 */
function emitRound(code: CodeWriter, { a, b, c, d }: KeccakLocals, round: number, outputs: readonly number[]): void {
  const neededB = new Set<number>();
  for (const lane of outputs) {
    const x = lane % 5;
    const row = lane - x;
    neededB.add(lane).add(row + ((x + 1) % 5)).add(row + ((x + 2) % 5));
  }
  const neededD = new Set([...neededB].map((j) => PI_SOURCE[j]! % 5));
  const neededC = new Set([...neededD].flatMap((x) => [(x + 4) % 5, (x + 1) % 5]));
  // θ: column parities, then the value XORed into each column.
  for (const x of [...neededC].sort(byNumber)) {
    code.get(a[x]!).get(a[x + 5]!).emit(op.i64Xor).get(a[x + 10]!).emit(op.i64Xor);
    code.get(a[x + 15]!).emit(op.i64Xor).get(a[x + 20]!).emit(op.i64Xor).set(c[x]!);
  }
  for (const x of [...neededD].sort(byNumber)) {
    code.get(c[(x + 4) % 5]!).get(c[(x + 1) % 5]!).i64(1).emit(op.i64Rotl, op.i64Xor).set(d[x]!);
  }
  // θ applied, ρ rotation and π placement in one step per lane.
  for (const j of [...neededB].sort(byNumber)) {
    const source = PI_SOURCE[j]!;
    code.get(a[source]!).get(d[source % 5]!).emit(op.i64Xor);
    if (RHO[source] !== 0) code.i64(RHO[source]!).emit(op.i64Rotl);
    code.set(b[j]!);
  }
  // χ, with ι folded into lane 0.
  for (const lane of outputs) {
    const x = lane % 5;
    const row = lane - x;
    code.get(b[lane]!).get(b[row + ((x + 1) % 5)]!).i64(-1).emit(op.i64Xor).get(b[row + ((x + 2) % 5)]!);
    code.emit(op.i64And, op.i64Xor);
    if (lane === 0) code.i64(ROUND_CONSTANTS[round]!).emit(op.i64Xor);
    code.set(a[lane]!);
  }
}

const ALL_LANES = Array.from({ length: LANES }, (_, i) => i);

/** `permute(pointer)`: the 25 lanes at `pointer` go through the rounds from `firstRound` to 23, in place. */
function permuteFunction(firstRound: number): WasmFunction {
  const pointer = 0;
  const { locals, types } = keccakLocals(1);
  const code = new CodeWriter();
  for (let lane = 0; lane < LANES; lane++) code.get(pointer).memory(op.i64Load, 3, 8 * lane).set(locals.a[lane]!);
  for (let round = firstRound; round < 24; round++) emitRound(code, locals, round, ALL_LANES);
  for (let lane = 0; lane < LANES; lane++) code.get(pointer).get(locals.a[lane]!).memory(op.i64Store, 3, 8 * lane);
  return { name: "permute", params: [I32], results: [], locals: types, code };
}

/**
 * `search(count)`: tries `count` consecutive nonces starting from the one whose digits are in memory; returns the
 * index (0-based, within this call) of the first whose digest equals `target`, or -1. The digits in memory are left at
 * the nonce after the last one tried, so consecutive calls continue the search.
 */
function searchFunction(
  firstRound: number,
  layout: { base: number; digits: number; target: number; tail: number; last: number },
): WasmFunction {
  const count = 0;
  const attempt = 1;
  const position = 2;
  const digit = 3;
  const { locals, types } = keccakLocals(4);
  const code = new CodeWriter();
  const loadWord = (address: number): CodeWriter => code.i32(0).memory(op.i32Load, 2, address);

  code.block().loop(); // exit: 1, next attempt: 0
  code.get(attempt).get(count).emit(op.i32GeS).brIf(1);
  // The block: constant lanes XOR the lanes holding digits (zero outside the digits, so all rate lanes can take it).
  for (let lane = 0; lane < LANES; lane++) {
    code.i32(0).memory(op.i64Load, 3, layout.base + 8 * lane);
    if (lane < RATE_LANES) code.i32(0).memory(op.i64Load, 3, layout.digits + 8 * lane).emit(op.i64Xor);
    code.set(locals.a[lane]!);
  }
  for (let round = firstRound; round < 23; round++) emitRound(code, locals, round, ALL_LANES);
  emitRound(code, locals, 23, [0, 1, 2, 3]);
  for (let lane = 0; lane < 4; lane++) {
    code.get(locals.a[lane]!).i32(0).memory(op.i64Load, 3, layout.target + 8 * lane).emit(op.i64Eq);
    if (lane > 0) code.emit(op.i32And);
  }
  code.if().get(attempt).emit(op.return).end();

  // Next nonce: increment the decimal digits in place, carrying leftwards.
  loadWord(layout.last).set(position);
  code.block().loop(); // done: 1, carry: 0
  code.get(position).memory(op.i32Load8U, 0, layout.digits).tee(digit).i32(ASCII_NINE).emit(op.i32Ne);
  code.if().get(position).get(digit).i32(1).emit(op.i32Add).memory(op.i32Store8, 0, layout.digits).br(2).end();
  code.get(position).i32(ASCII_ZERO).memory(op.i32Store8, 0, layout.digits);
  code.get(position).i32(1).emit(op.i32Sub).tee(position);
  loadWord(layout.tail).emit(op.i32GeS).brIf(0);
  // All nines: one more digit ("99" became "00": write "100" and move the padding byte right).
  code.end();
  loadWord(layout.tail).i32(ASCII_ZERO + 1).memory(op.i32Store8, 0, layout.digits);
  code.i32(0);
  loadWord(layout.last).i32(1).emit(op.i32Add).tee(position).memory(op.i32Store, 2, layout.last);
  code.get(position).i32(ASCII_ZERO).memory(op.i32Store8, 0, layout.digits);
  code.get(position).i32(SHA3_PAD).memory(op.i32Store8, 0, layout.digits + 1);
  code.end();

  code.get(attempt).i32(1).emit(op.i32Add).set(attempt).br(0);
  code.end().end();
  code.i32(-1);
  return { name: "search", params: [I32], results: [I32], locals: [I32, I32, I32, ...types], code };
}
