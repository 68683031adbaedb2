import { describe, expect, it } from "vitest";
import { createPowKernel } from "./pow-kernel.js";
import { emitPowWasmModule } from "./pow-wasm-module.js";
import { createWasmPowKernel } from "./wasm-pow-kernel.js";

// The TypeScript kernel is the reference: the WebAssembly kernel must agree with it on everything.
const reference = createPowKernel();
const wasm = createWasmPowKernel(emitPowWasmModule());
const encoder = new TextEncoder();

/** Fixed-seed xorshift, so a failure reproduces. */
function random(seed: number): (below: number) => number {
  return (below) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return Math.floor(((seed >>> 0) / 2 ** 32) * below);
  };
}

const join = (prefix: Uint8Array, n: number): Uint8Array => Uint8Array.from([...prefix, ...encoder.encode(String(n))]);

describe("WebAssembly kernel against the TypeScript kernel", () => {
  it("hashes random messages of up to five blocks to the same digests", () => {
    const next = random(0x9e3779b9);
    for (let i = 0; i < 300; i++) {
      const message = Uint8Array.from({ length: next(700) }, () => next(256));
      expect(wasm.hash(message), `message ${i} (${message.length} bytes)`).toEqual(reference.hash(message));
    }
  });

  it("finds the same answers after random prefixes, in random windows", () => {
    const next = random(0x2545f491);
    for (let i = 0; i < 40; i++) {
      const prefix = Uint8Array.from({ length: next(420) }, () => next(256));
      const answer = next(30_000);
      const start = Math.max(0, answer - next(9_000));
      const target = reference.hash(join(prefix, answer));
      const found = wasm.solve(prefix, target, start, answer + 1 + next(100));
      expect(found, `prefix of ${prefix.length} bytes, answer ${answer}, start ${start}`).toBe(answer);
    }
  });

  // The nonce's digits live in the module's memory and are incremented there, across calls of 4096 attempts each.
  it.each([
    [0, 4095],
    [0, 4096],
    [0, 4097],
    [0, 10_000],
    [5904, 9999], // the batch ends on 9999
    [5904, 10_000], // 9999 → 10000 rolls over exactly at a batch boundary
    [5904, 10_001],
    [95_000, 99_999],
    [95_000, 100_000],
    [999_990, 1_000_003],
  ])("carries the decimal digits from %i up to the answer %i", (start, answer) => {
    const prefix = encoder.encode("404e9b1b931574575ab7_1772967221890_");
    const target = reference.hash(join(prefix, answer));
    expect(wasm.solve(prefix, target, start, answer + 2)).toBe(answer);
    expect(wasm.solve(prefix, target, start, answer)).toBe(-1);
  });

  it("handles the padding byte landing on the last byte of the block (0x06 | 0x80)", () => {
    // 131 + 4 digits puts 0x06 at offset 135, where it shares the byte with the final 0x80.
    const prefix = encoder.encode("p".repeat(131));
    for (const answer of [1000, 4321, 9999]) {
      const target = reference.hash(join(prefix, answer));
      expect(reference.solve(prefix, target, 0, 10_000)).toBe(answer);
      expect(wasm.solve(prefix, target, 0, 10_000)).toBe(answer);
    }
  });

  it("reports the same miss when no nonce matches", () => {
    const prefix = encoder.encode("salt_1_");
    const target = new Uint8Array(32);
    expect(wasm.solve(prefix, target, 0, 5000)).toBe(-1);
    expect(reference.solve(prefix, target, 0, 5000)).toBe(-1);
  });

  it("throws on bytes that are not a module, so the solver can fall back to the TypeScript kernel", () => {
    expect(() => createWasmPowKernel(Uint8Array.from([0, 97, 115, 109, 2, 0, 0, 0]))).toThrow();
  });
});
