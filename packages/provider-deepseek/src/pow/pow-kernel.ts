/** DeepSeekHashV1 primitives shared by the solver worker, the main thread and the test double. */
export interface PowKernel {
  /** The 32-byte digest of `message`. */
  hash(message: Uint8Array): Uint8Array;
  /**
   * The smallest n in [start, end) whose digest of `prefix` followed by n in decimal equals `target`; -1 when there is
   * none; -2 when `cancel[0]` became non-zero during the search.
   */
  solve(prefix: Uint8Array, target: Uint8Array, start: number, end: number, cancel?: Int32Array): number;
}

/**
 * SHA3-256 whose Keccak-f[1600] starts at round `firstRound`. DeepSeekHashV1 is `firstRound = 1` (round 0, ι constant
 * included, is skipped; everything else is FIPS-202 SHA3-256); `firstRound = 0` is standard SHA3-256, which is how the
 * tests check the permutation against an independent implementation.
 *
 * Speed (the solver runs ~72 000 permutations per challenge): each 64-bit lane is kept bit-interleaved as two int32
 * words, even bits and odd bits, so every 64-bit rotation becomes two 32-bit rotations that V8 compiles to single
 * `ror` instructions. A round is unrolled and fused row by row (θ applied while loading each ρ-π source, then χ and ι),
 * reading one Int32Array and writing the other, and the column parities θ needs next are accumulated as χ writes.
 * Of the layouts measured (all 100 words in locals, in-place updates, this ping-pong), this one is fastest on V8: the
 * others spill more or stall on store-to-load forwarding. Bytes are interleaved on the way in and out only.
 *
 * The function must stay self-contained (no reference to anything outside its body): the solver pool ships its
 * source text to a worker thread.
 */
export function createPowKernel(firstRound = 1): PowKernel {
  const RATE = 136;
  // Keccak ι constants, bit-interleaved [even, odd] per round.
  const roundConstants = new Int32Array([
    0x00000001, 0x00000000,
    0x00000000, 0x00000089,
    0x00000000, 0x8000008b,
    0x00000000, 0x80008080,
    0x00000001, 0x0000008b,
    0x00000001, 0x00008000,
    0x00000001, 0x80008088,
    0x00000001, 0x80000082,
    0x00000000, 0x0000000b,
    0x00000000, 0x0000000a,
    0x00000001, 0x00008082,
    0x00000000, 0x00008003,
    0x00000001, 0x0000808b,
    0x00000001, 0x8000000b,
    0x00000001, 0x8000008a,
    0x00000001, 0x80000081,
    0x00000000, 0x80000081,
    0x00000000, 0x80000008,
    0x00000000, 0x00000083,
    0x00000000, 0x80008003,
    0x00000001, 0x80008088,
    0x00000000, 0x80000088,
    0x00000001, 0x00008000,
    0x00000000, 0x80008082,
  ]);
  const scratch = new Int32Array(50);

  function permute(s: Int32Array): void {
    const e = scratch;
    let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0, b7 = 0, b8 = 0, b9 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0, c6 = 0, c7 = 0, c8 = 0, c9 = 0, d0 = 0, d1 = 0, d2 = 0, d3 = 0, d4 = 0, d5 = 0, d6 = 0, d7 = 0, d8 = 0, d9 = 0, t0 = 0, t1 = 0;
    c0 = s[0]! ^ s[10]! ^ s[20]! ^ s[30]! ^ s[40]!; c1 = s[1]! ^ s[11]! ^ s[21]! ^ s[31]! ^ s[41]!;
    c2 = s[2]! ^ s[12]! ^ s[22]! ^ s[32]! ^ s[42]!; c3 = s[3]! ^ s[13]! ^ s[23]! ^ s[33]! ^ s[43]!;
    c4 = s[4]! ^ s[14]! ^ s[24]! ^ s[34]! ^ s[44]!; c5 = s[5]! ^ s[15]! ^ s[25]! ^ s[35]! ^ s[45]!;
    c6 = s[6]! ^ s[16]! ^ s[26]! ^ s[36]! ^ s[46]!; c7 = s[7]! ^ s[17]! ^ s[27]! ^ s[37]! ^ s[47]!;
    c8 = s[8]! ^ s[18]! ^ s[28]! ^ s[38]! ^ s[48]!; c9 = s[9]! ^ s[19]! ^ s[29]! ^ s[39]! ^ s[49]!;
    let r = firstRound;
    for (;;) {
      d0 = c8 ^ ((c3 << 1) | (c3 >>> 31)); d1 = c9 ^ c2;
      d2 = c0 ^ ((c5 << 1) | (c5 >>> 31)); d3 = c1 ^ c4;
      d4 = c2 ^ ((c7 << 1) | (c7 >>> 31)); d5 = c3 ^ c6;
      d6 = c4 ^ ((c9 << 1) | (c9 >>> 31)); d7 = c5 ^ c8;
      d8 = c6 ^ ((c1 << 1) | (c1 >>> 31)); d9 = c7 ^ c0;
      t0 = s[0]! ^ d0; t1 = s[1]! ^ d1;
      b0 = t0; b1 = t1;
      t0 = s[12]! ^ d2; t1 = s[13]! ^ d3;
      b2 = ((t0 << 22) | (t0 >>> 10)); b3 = ((t1 << 22) | (t1 >>> 10));
      t0 = s[24]! ^ d4; t1 = s[25]! ^ d5;
      b4 = ((t1 << 22) | (t1 >>> 10)); b5 = ((t0 << 21) | (t0 >>> 11));
      t0 = s[36]! ^ d6; t1 = s[37]! ^ d7;
      b6 = ((t1 << 11) | (t1 >>> 21)); b7 = ((t0 << 10) | (t0 >>> 22));
      t0 = s[48]! ^ d8; t1 = s[49]! ^ d9;
      b8 = ((t0 << 7) | (t0 >>> 25)); b9 = ((t1 << 7) | (t1 >>> 25));
      t0 = b0 ^ (~b2 & b4) ^ roundConstants[2 * r]!; t1 = b1 ^ (~b3 & b5) ^ roundConstants[2 * r + 1]!; e[0] = t0; e[1] = t1; c0 = t0; c1 = t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); e[2] = t0; e[3] = t1; c2 = t0; c3 = t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); e[4] = t0; e[5] = t1; c4 = t0; c5 = t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); e[6] = t0; e[7] = t1; c6 = t0; c7 = t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); e[8] = t0; e[9] = t1; c8 = t0; c9 = t1;
      t0 = s[6]! ^ d6; t1 = s[7]! ^ d7;
      b0 = ((t0 << 14) | (t0 >>> 18)); b1 = ((t1 << 14) | (t1 >>> 18));
      t0 = s[18]! ^ d8; t1 = s[19]! ^ d9;
      b2 = ((t0 << 10) | (t0 >>> 22)); b3 = ((t1 << 10) | (t1 >>> 22));
      t0 = s[20]! ^ d0; t1 = s[21]! ^ d1;
      b4 = ((t1 << 2) | (t1 >>> 30)); b5 = ((t0 << 1) | (t0 >>> 31));
      t0 = s[32]! ^ d2; t1 = s[33]! ^ d3;
      b6 = ((t1 << 23) | (t1 >>> 9)); b7 = ((t0 << 22) | (t0 >>> 10));
      t0 = s[44]! ^ d4; t1 = s[45]! ^ d5;
      b8 = ((t1 << 31) | (t1 >>> 1)); b9 = ((t0 << 30) | (t0 >>> 2));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); e[10] = t0; e[11] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); e[12] = t0; e[13] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); e[14] = t0; e[15] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); e[16] = t0; e[17] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); e[18] = t0; e[19] = t1; c8 ^= t0; c9 ^= t1;
      t0 = s[2]! ^ d2; t1 = s[3]! ^ d3;
      b0 = ((t1 << 1) | (t1 >>> 31)); b1 = t0;
      t0 = s[14]! ^ d4; t1 = s[15]! ^ d5;
      b2 = ((t0 << 3) | (t0 >>> 29)); b3 = ((t1 << 3) | (t1 >>> 29));
      t0 = s[26]! ^ d6; t1 = s[27]! ^ d7;
      b4 = ((t1 << 13) | (t1 >>> 19)); b5 = ((t0 << 12) | (t0 >>> 20));
      t0 = s[38]! ^ d8; t1 = s[39]! ^ d9;
      b6 = ((t0 << 4) | (t0 >>> 28)); b7 = ((t1 << 4) | (t1 >>> 28));
      t0 = s[40]! ^ d0; t1 = s[41]! ^ d1;
      b8 = ((t0 << 9) | (t0 >>> 23)); b9 = ((t1 << 9) | (t1 >>> 23));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); e[20] = t0; e[21] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); e[22] = t0; e[23] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); e[24] = t0; e[25] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); e[26] = t0; e[27] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); e[28] = t0; e[29] = t1; c8 ^= t0; c9 ^= t1;
      t0 = s[8]! ^ d8; t1 = s[9]! ^ d9;
      b0 = ((t1 << 14) | (t1 >>> 18)); b1 = ((t0 << 13) | (t0 >>> 19));
      t0 = s[10]! ^ d0; t1 = s[11]! ^ d1;
      b2 = ((t0 << 18) | (t0 >>> 14)); b3 = ((t1 << 18) | (t1 >>> 14));
      t0 = s[22]! ^ d2; t1 = s[23]! ^ d3;
      b4 = ((t0 << 5) | (t0 >>> 27)); b5 = ((t1 << 5) | (t1 >>> 27));
      t0 = s[34]! ^ d4; t1 = s[35]! ^ d5;
      b6 = ((t1 << 8) | (t1 >>> 24)); b7 = ((t0 << 7) | (t0 >>> 25));
      t0 = s[46]! ^ d6; t1 = s[47]! ^ d7;
      b8 = ((t0 << 28) | (t0 >>> 4)); b9 = ((t1 << 28) | (t1 >>> 4));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); e[30] = t0; e[31] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); e[32] = t0; e[33] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); e[34] = t0; e[35] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); e[36] = t0; e[37] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); e[38] = t0; e[39] = t1; c8 ^= t0; c9 ^= t1;
      t0 = s[4]! ^ d4; t1 = s[5]! ^ d5;
      b0 = ((t0 << 31) | (t0 >>> 1)); b1 = ((t1 << 31) | (t1 >>> 1));
      t0 = s[16]! ^ d6; t1 = s[17]! ^ d7;
      b2 = ((t1 << 28) | (t1 >>> 4)); b3 = ((t0 << 27) | (t0 >>> 5));
      t0 = s[28]! ^ d8; t1 = s[29]! ^ d9;
      b4 = ((t1 << 20) | (t1 >>> 12)); b5 = ((t0 << 19) | (t0 >>> 13));
      t0 = s[30]! ^ d0; t1 = s[31]! ^ d1;
      b6 = ((t1 << 21) | (t1 >>> 11)); b7 = ((t0 << 20) | (t0 >>> 12));
      t0 = s[42]! ^ d2; t1 = s[43]! ^ d3;
      b8 = ((t0 << 1) | (t0 >>> 31)); b9 = ((t1 << 1) | (t1 >>> 31));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); e[40] = t0; e[41] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); e[42] = t0; e[43] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); e[44] = t0; e[45] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); e[46] = t0; e[47] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); e[48] = t0; e[49] = t1; c8 ^= t0; c9 ^= t1;
      if (++r === 24) { s.set(e); return; }
      d0 = c8 ^ ((c3 << 1) | (c3 >>> 31)); d1 = c9 ^ c2;
      d2 = c0 ^ ((c5 << 1) | (c5 >>> 31)); d3 = c1 ^ c4;
      d4 = c2 ^ ((c7 << 1) | (c7 >>> 31)); d5 = c3 ^ c6;
      d6 = c4 ^ ((c9 << 1) | (c9 >>> 31)); d7 = c5 ^ c8;
      d8 = c6 ^ ((c1 << 1) | (c1 >>> 31)); d9 = c7 ^ c0;
      t0 = e[0]! ^ d0; t1 = e[1]! ^ d1;
      b0 = t0; b1 = t1;
      t0 = e[12]! ^ d2; t1 = e[13]! ^ d3;
      b2 = ((t0 << 22) | (t0 >>> 10)); b3 = ((t1 << 22) | (t1 >>> 10));
      t0 = e[24]! ^ d4; t1 = e[25]! ^ d5;
      b4 = ((t1 << 22) | (t1 >>> 10)); b5 = ((t0 << 21) | (t0 >>> 11));
      t0 = e[36]! ^ d6; t1 = e[37]! ^ d7;
      b6 = ((t1 << 11) | (t1 >>> 21)); b7 = ((t0 << 10) | (t0 >>> 22));
      t0 = e[48]! ^ d8; t1 = e[49]! ^ d9;
      b8 = ((t0 << 7) | (t0 >>> 25)); b9 = ((t1 << 7) | (t1 >>> 25));
      t0 = b0 ^ (~b2 & b4) ^ roundConstants[2 * r]!; t1 = b1 ^ (~b3 & b5) ^ roundConstants[2 * r + 1]!; s[0] = t0; s[1] = t1; c0 = t0; c1 = t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); s[2] = t0; s[3] = t1; c2 = t0; c3 = t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); s[4] = t0; s[5] = t1; c4 = t0; c5 = t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); s[6] = t0; s[7] = t1; c6 = t0; c7 = t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); s[8] = t0; s[9] = t1; c8 = t0; c9 = t1;
      t0 = e[6]! ^ d6; t1 = e[7]! ^ d7;
      b0 = ((t0 << 14) | (t0 >>> 18)); b1 = ((t1 << 14) | (t1 >>> 18));
      t0 = e[18]! ^ d8; t1 = e[19]! ^ d9;
      b2 = ((t0 << 10) | (t0 >>> 22)); b3 = ((t1 << 10) | (t1 >>> 22));
      t0 = e[20]! ^ d0; t1 = e[21]! ^ d1;
      b4 = ((t1 << 2) | (t1 >>> 30)); b5 = ((t0 << 1) | (t0 >>> 31));
      t0 = e[32]! ^ d2; t1 = e[33]! ^ d3;
      b6 = ((t1 << 23) | (t1 >>> 9)); b7 = ((t0 << 22) | (t0 >>> 10));
      t0 = e[44]! ^ d4; t1 = e[45]! ^ d5;
      b8 = ((t1 << 31) | (t1 >>> 1)); b9 = ((t0 << 30) | (t0 >>> 2));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); s[10] = t0; s[11] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); s[12] = t0; s[13] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); s[14] = t0; s[15] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); s[16] = t0; s[17] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); s[18] = t0; s[19] = t1; c8 ^= t0; c9 ^= t1;
      t0 = e[2]! ^ d2; t1 = e[3]! ^ d3;
      b0 = ((t1 << 1) | (t1 >>> 31)); b1 = t0;
      t0 = e[14]! ^ d4; t1 = e[15]! ^ d5;
      b2 = ((t0 << 3) | (t0 >>> 29)); b3 = ((t1 << 3) | (t1 >>> 29));
      t0 = e[26]! ^ d6; t1 = e[27]! ^ d7;
      b4 = ((t1 << 13) | (t1 >>> 19)); b5 = ((t0 << 12) | (t0 >>> 20));
      t0 = e[38]! ^ d8; t1 = e[39]! ^ d9;
      b6 = ((t0 << 4) | (t0 >>> 28)); b7 = ((t1 << 4) | (t1 >>> 28));
      t0 = e[40]! ^ d0; t1 = e[41]! ^ d1;
      b8 = ((t0 << 9) | (t0 >>> 23)); b9 = ((t1 << 9) | (t1 >>> 23));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); s[20] = t0; s[21] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); s[22] = t0; s[23] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); s[24] = t0; s[25] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); s[26] = t0; s[27] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); s[28] = t0; s[29] = t1; c8 ^= t0; c9 ^= t1;
      t0 = e[8]! ^ d8; t1 = e[9]! ^ d9;
      b0 = ((t1 << 14) | (t1 >>> 18)); b1 = ((t0 << 13) | (t0 >>> 19));
      t0 = e[10]! ^ d0; t1 = e[11]! ^ d1;
      b2 = ((t0 << 18) | (t0 >>> 14)); b3 = ((t1 << 18) | (t1 >>> 14));
      t0 = e[22]! ^ d2; t1 = e[23]! ^ d3;
      b4 = ((t0 << 5) | (t0 >>> 27)); b5 = ((t1 << 5) | (t1 >>> 27));
      t0 = e[34]! ^ d4; t1 = e[35]! ^ d5;
      b6 = ((t1 << 8) | (t1 >>> 24)); b7 = ((t0 << 7) | (t0 >>> 25));
      t0 = e[46]! ^ d6; t1 = e[47]! ^ d7;
      b8 = ((t0 << 28) | (t0 >>> 4)); b9 = ((t1 << 28) | (t1 >>> 4));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); s[30] = t0; s[31] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); s[32] = t0; s[33] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); s[34] = t0; s[35] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); s[36] = t0; s[37] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); s[38] = t0; s[39] = t1; c8 ^= t0; c9 ^= t1;
      t0 = e[4]! ^ d4; t1 = e[5]! ^ d5;
      b0 = ((t0 << 31) | (t0 >>> 1)); b1 = ((t1 << 31) | (t1 >>> 1));
      t0 = e[16]! ^ d6; t1 = e[17]! ^ d7;
      b2 = ((t1 << 28) | (t1 >>> 4)); b3 = ((t0 << 27) | (t0 >>> 5));
      t0 = e[28]! ^ d8; t1 = e[29]! ^ d9;
      b4 = ((t1 << 20) | (t1 >>> 12)); b5 = ((t0 << 19) | (t0 >>> 13));
      t0 = e[30]! ^ d0; t1 = e[31]! ^ d1;
      b6 = ((t1 << 21) | (t1 >>> 11)); b7 = ((t0 << 20) | (t0 >>> 12));
      t0 = e[42]! ^ d2; t1 = e[43]! ^ d3;
      b8 = ((t0 << 1) | (t0 >>> 31)); b9 = ((t1 << 1) | (t1 >>> 31));
      t0 = b0 ^ (~b2 & b4); t1 = b1 ^ (~b3 & b5); s[40] = t0; s[41] = t1; c0 ^= t0; c1 ^= t1;
      t0 = b2 ^ (~b4 & b6); t1 = b3 ^ (~b5 & b7); s[42] = t0; s[43] = t1; c2 ^= t0; c3 ^= t1;
      t0 = b4 ^ (~b6 & b8); t1 = b5 ^ (~b7 & b9); s[44] = t0; s[45] = t1; c4 ^= t0; c5 ^= t1;
      t0 = b6 ^ (~b8 & b0); t1 = b7 ^ (~b9 & b1); s[46] = t0; s[47] = t1; c6 ^= t0; c7 ^= t1;
      t0 = b8 ^ (~b0 & b2); t1 = b9 ^ (~b1 & b3); s[48] = t0; s[49] = t1; c8 ^= t0; c9 ^= t1;
      if (++r === 24) return;
    }
  }

  /** Even bits of a word to its low half, odd bits to its high half. */
  function unshuffle(x: number): number {
    let t = (x ^ (x >>> 1)) & 0x22222222;
    x ^= t ^ (t << 1);
    t = (x ^ (x >>> 2)) & 0x0c0c0c0c;
    x ^= t ^ (t << 2);
    t = (x ^ (x >>> 4)) & 0x00f000f0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >>> 8)) & 0x0000ff00;
    return x ^ t ^ (t << 8);
  }

  /** The inverse of unshuffle (the same delta swaps in reverse order). */
  function shuffle(x: number): number {
    let t = (x ^ (x >>> 8)) & 0x0000ff00;
    x ^= t ^ (t << 8);
    t = (x ^ (x >>> 4)) & 0x00f000f0;
    x ^= t ^ (t << 4);
    t = (x ^ (x >>> 2)) & 0x0c0c0c0c;
    x ^= t ^ (t << 2);
    t = (x ^ (x >>> 1)) & 0x22222222;
    return x ^ t ^ (t << 1);
  }

  /** XORs a lane given as little-endian low and high words into the interleaved state. */
  function xorLane(s: Int32Array, lane: number, low: number, high: number): void {
    const l = unshuffle(low);
    const h = unshuffle(high);
    s[2 * lane]! ^= (l & 0xffff) | (h << 16);
    s[2 * lane + 1]! ^= (l >>> 16) | (h & 0xffff0000);
  }

  /** XORs `count` bytes into the state starting at state byte 0. */
  function xorBytes(s: Int32Array, bytes: Uint8Array, offset: number, count: number): void {
    for (let lane = 0; lane * 8 < count; lane++) {
      let low = 0;
      let high = 0;
      for (let i = 0; i < 8 && lane * 8 + i < count; i++) {
        const byte = bytes[offset + lane * 8 + i]!;
        if (i < 4) low |= byte << (8 * i);
        else high |= byte << (8 * (i - 4));
      }
      xorLane(s, lane, low, high);
    }
  }

  function digest(s: Int32Array): Uint8Array {
    const out = new Uint8Array(32);
    for (let lane = 0; lane < 4; lane++) {
      const even = s[2 * lane]!;
      const odd = s[2 * lane + 1]!;
      const low = shuffle((even & 0xffff) | (odd << 16));
      const high = shuffle((even >>> 16) | (odd & 0xffff0000));
      for (let i = 0; i < 4; i++) {
        out[lane * 8 + i] = (low >>> (8 * i)) & 0xff;
        out[lane * 8 + 4 + i] = (high >>> (8 * i)) & 0xff;
      }
    }
    return out;
  }

  function hash(message: Uint8Array): Uint8Array {
    const padded = new Uint8Array((Math.floor(message.length / RATE) + 1) * RATE);
    padded.set(message);
    padded[message.length]! ^= 0x06;
    padded[padded.length - 1]! ^= 0x80;
    const s = new Int32Array(50);
    for (let offset = 0; offset < padded.length; offset += RATE) {
      xorBytes(s, padded, offset, RATE);
      permute(s);
    }
    return digest(s);
  }

  function interleavedTarget(target: Uint8Array): Int32Array {
    const want = new Int32Array(50);
    xorBytes(want, target, 0, 32);
    return want;
  }

  /** For prefixes whose nonce would spill into a second block: correct but without any reuse. */
  function solveByHashing(prefix: Uint8Array, target: Uint8Array, start: number, end: number, cancel?: Int32Array): number {
    const message = new Uint8Array(prefix.length + 17);
    message.set(prefix);
    for (let n = start; n < end; n++) {
      if (cancel !== undefined && (n - start) % 1024 === 0 && Atomics.load(cancel, 0) !== 0) return -2;
      const digits = String(n);
      for (let i = 0; i < digits.length; i++) message[prefix.length + i] = digits.charCodeAt(i);
      const got = hash(message.subarray(0, prefix.length + digits.length));
      if (got.every((byte, i) => byte === target[i])) return n;
    }
    return -1;
  }

  function solve(prefix: Uint8Array, target: Uint8Array, start: number, end: number, cancel?: Int32Array): number {
    // Whole blocks of the prefix are absorbed once.
    const prefixState = new Int32Array(50);
    let offset = 0;
    for (; prefix.length - offset >= RATE; offset += RATE) {
      xorBytes(prefixState, prefix, offset, RATE);
      permute(prefixState);
    }
    const tail = prefix.length - offset;
    if (tail + String(Math.max(end - 1, 0)).length + 1 > RATE) {
      return solveByHashing(prefix, target, start, end, cancel);
    }
    // The last block is constant except the nonce digits and the 0x06 after them: the constant bytes (rest of the
    // prefix, final 0x80) are folded into a base state once; per attempt only the lanes holding digits are XORed in.
    const base = prefixState.slice();
    xorBytes(base, prefix, offset, tail);
    const lastByte = new Uint8Array(RATE);
    lastByte[RATE - 1] = 0x80;
    xorBytes(base, lastByte, 0, RATE);
    const want = interleavedTarget(target);
    const varying = new Uint8Array(RATE + 8);
    const firstLane = tail >> 3;
    const s = new Int32Array(50);
    let digits = String(start).length;
    let nextPower = 10 ** digits;
    let untilCancelCheck = 0;
    for (let n = start; n < end; n++) {
      if (n === nextPower) {
        digits++;
        nextPower *= 10;
      }
      if (cancel !== undefined && --untilCancelCheck < 0) {
        if (Atomics.load(cancel, 0) !== 0) return -2;
        untilCancelCheck = 4096;
      }
      let rest = n;
      for (let i = tail + digits - 1; i >= tail; i--) {
        const quotient = Math.floor(rest / 10);
        varying[i] = 48 + rest - quotient * 10;
        rest = quotient;
      }
      varying[tail + digits] = 0x06;
      s.set(base);
      const lastLane = (tail + digits) >> 3;
      for (let lane = firstLane; lane <= lastLane; lane++) {
        const b = lane << 3;
        xorLane(
          s,
          lane,
          varying[b]! | (varying[b + 1]! << 8) | (varying[b + 2]! << 16) | (varying[b + 3]! << 24),
          varying[b + 4]! | (varying[b + 5]! << 8) | (varying[b + 6]! << 16) | (varying[b + 7]! << 24),
        );
      }
      permute(s);
      if (
        s[0] === want[0] && s[1] === want[1] && s[2] === want[2] && s[3] === want[3] &&
        s[4] === want[4] && s[5] === want[5] && s[6] === want[6] && s[7] === want[7]
      ) {
        return n;
      }
    }
    return -1;
  }

  return { hash, solve };
}
