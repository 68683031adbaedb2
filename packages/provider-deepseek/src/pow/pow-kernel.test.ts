import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HASH_VECTORS, PADDING_LENGTHS, PREFIX_LENGTHS } from "./__fixtures__/hash-vectors.js";
import { deepSeekHashV1 } from "./deepseek-hash.js";
import { createPowKernel, type PowKernel } from "./pow-kernel.js";
import { emitPowWasmModule } from "./pow-wasm-module.js";
import { createWasmPowKernel } from "./wasm-pow-kernel.js";

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("deepSeekHashV1", () => {
  it.each(HASH_VECTORS)("hashes %j to the reference digest", (input, digest) => {
    expect(deepSeekHashV1(input)).toBe(digest);
    expect(deepSeekHashV1(encoder.encode(input))).toBe(digest);
  });

  it("differs from SHA3-256 (round 0 really is skipped)", () => {
    expect(deepSeekHashV1("")).not.toBe(createHash("sha3-256").update("").digest("hex"));
  });
});

// Both kernels pass the same checks; the WebAssembly one is also compared with the TypeScript one in
// wasm-pow-kernel.test.ts.
const kernels: Array<[string, (firstRound: number) => PowKernel]> = [
  ["typescript", (firstRound) => createPowKernel(firstRound)],
  ["wasm", (firstRound) => createWasmPowKernel(emitPowWasmModule(firstRound))],
];

describe.each(kernels)("%s kernel", (_, createKernel) => {
  const kernel = createKernel(1);

  it.each(HASH_VECTORS)("hashes %j to the reference digest", (input, digest) => {
    expect(hex(kernel.hash(encoder.encode(input)))).toBe(digest);
  });

  it("is SHA3-256 when the permutation starts at round 0 (checked against OpenSSL at every padding boundary)", () => {
    const sha3 = createKernel(0);
    for (const length of PADDING_LENGTHS) {
      const message = Uint8Array.from({ length }, (_, i) => (i * 131 + length) & 0xff);
      expect(hex(sha3.hash(message)), `length ${length}`).toBe(createHash("sha3-256").update(message).digest("hex"));
    }
  });

  it.each(PREFIX_LENGTHS)("finds the answer after a %i-byte prefix", (length) => {
    const prefix = encoder.encode("s".repeat(length));
    for (const answer of [0, 9, 10, 99, 100, 1234]) {
      const target = kernel.hash(encoder.encode(`${"s".repeat(length)}${answer}`));
      expect(kernel.solve(prefix, target, 0, 2000)).toBe(answer);
    }
  });

  it("respects the search window and reports a miss as -1", () => {
    const prefix = encoder.encode("abc123salt_1700000000_");
    const target = kernel.hash(encoder.encode("abc123salt_1700000000_12345"));
    expect(kernel.solve(prefix, target, 0, 12345)).toBe(-1);
    expect(kernel.solve(prefix, target, 12000, 12346)).toBe(12345);
    expect(kernel.solve(prefix, target, 12346, 12346)).toBe(-1);
  });

  it("stops with -2 when the cancel flag is set", () => {
    const cancel = new Int32Array(1);
    Atomics.store(cancel, 0, 1);
    expect(kernel.solve(encoder.encode("x_1_"), new Uint8Array(32), 0, 1_000_000, cancel)).toBe(-2);
  });
});
