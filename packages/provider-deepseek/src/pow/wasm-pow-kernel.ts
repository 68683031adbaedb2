import type { PowKernel } from "./pow-kernel.js";

/**
 * The PowKernel on top of the module `emitPowWasmModule` emits (given as its bytes). The module holds the permutation
 * and the search loop; this side lays out the search in the module's memory, calls `search` in batches (checking the
 * cancel flag between them, a few milliseconds apart) and hashes arbitrary messages through `permute`. Throws when the
 * runtime has no WebAssembly or refuses the module, so the caller can fall back to the TypeScript kernel.
 *
 * The function must stay self-contained (no reference to anything outside its body): the solver pool ships its
 * source text to a worker thread.
 */
export function createWasmPowKernel(moduleBytes: Uint8Array<ArrayBuffer>): PowKernel {
  const RATE = 136;
  const STATE_BYTES = 200;
  // Nonces per call into the module: long enough that the call costs nothing, short enough that an abort is noticed
  // within milliseconds.
  const BATCH = 4096;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes));
  const exports = instance.exports as unknown as {
    memory: WebAssembly.Memory;
    permute(pointer: number): void;
    search(count: number): number;
  } & Record<"state" | "base" | "digits" | "target" | "tail" | "last", WebAssembly.Global>;
  const state: number = exports.state.value;
  const base: number = exports.base.value;
  const digits: number = exports.digits.value;
  const target: number = exports.target.value;
  // The module's memory never grows, so these views stay valid.
  const memory = new Uint8Array(exports.memory.buffer);
  const words = new DataView(exports.memory.buffer);

  function xorInto(at: number, bytes: Uint8Array, offset: number, count: number): void {
    for (let i = 0; i < count; i++) memory[at + i]! ^= bytes[offset + i]!;
  }

  /** Absorbs the whole blocks of `message` into a zeroed state; returns how many bytes that consumed. */
  function absorbBlocks(message: Uint8Array): number {
    memory.fill(0, state, state + STATE_BYTES);
    let offset = 0;
    for (; message.length - offset >= RATE; offset += RATE) {
      xorInto(state, message, offset, RATE);
      exports.permute(state);
    }
    return offset;
  }

  function hash(message: Uint8Array): Uint8Array {
    const offset = absorbBlocks(message);
    xorInto(state, message, offset, message.length - offset);
    memory[state + message.length - offset]! ^= 0x06;
    memory[state + RATE - 1]! ^= 0x80;
    exports.permute(state);
    return memory.slice(state, state + 32);
  }

  /** For prefixes whose nonce would spill into a second block: correct but without any reuse. */
  function solveByHashing(prefix: Uint8Array, want: Uint8Array, start: number, end: number, cancel?: Int32Array): number {
    const message = new Uint8Array(prefix.length + 17);
    message.set(prefix);
    for (let n = start; n < end; n++) {
      if (cancel !== undefined && (n - start) % 1024 === 0 && Atomics.load(cancel, 0) !== 0) return -2;
      const text = String(n);
      for (let i = 0; i < text.length; i++) message[prefix.length + i] = text.charCodeAt(i);
      const got = hash(message.subarray(0, prefix.length + text.length));
      if (got.every((byte, i) => byte === want[i])) return n;
    }
    return -1;
  }

  function solve(prefix: Uint8Array, want: Uint8Array, start: number, end: number, cancel?: Int32Array): number {
    const offset = absorbBlocks(prefix);
    const tail = prefix.length - offset;
    if (tail + String(Math.max(end - 1, 0)).length + 1 > RATE) return solveByHashing(prefix, want, start, end, cancel);
    memory.copyWithin(base, state, state + STATE_BYTES);
    xorInto(base, prefix, offset, tail);
    memory[base + RATE - 1]! ^= 0x80;
    // The nonce's digits and the padding byte after them; the module increments them from here on.
    const text = String(start);
    memory.fill(0, digits, digits + RATE + 8);
    for (let i = 0; i < text.length; i++) memory[digits + tail + i] = text.charCodeAt(i);
    memory[digits + tail + text.length] = 0x06;
    words.setInt32(exports.tail.value, tail, true);
    words.setInt32(exports.last.value, tail + text.length - 1, true);
    memory.set(want.subarray(0, 32), target);
    for (let n = start; n < end; ) {
      if (cancel !== undefined && Atomics.load(cancel, 0) !== 0) return -2;
      const count = Math.min(BATCH, end - n);
      const found = exports.search(count);
      if (found >= 0) return n + found;
      n += count;
    }
    return -1;
  }

  return { hash, solve };
}
