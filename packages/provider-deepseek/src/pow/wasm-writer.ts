/**
 * A minimal WebAssembly binary writer: just what the proof-of-work module needs (one memory, immutable i32 globals,
 * functions with i32/i64 locals, structured control flow and integer/memory instructions). It writes the binary
 * format of the WebAssembly core specification, section by section; there is no text format and no validation beyond
 * what the engine does when it compiles the result.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValueType = typeof I32 | typeof I64;

/** Opcodes used by the proof-of-work module. */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Ne: 0x47,
  i32GeS: 0x4e,
  i64Eq: 0x51,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32And: 0x71,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
} as const;

/** Block type of a block/loop/if that takes and leaves nothing on the stack. */
const EMPTY_BLOCK = 0x40;

function unsignedLeb(value: number, out: number[]): void {
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
}

function signedLeb(value: bigint, out: number[]): void {
  for (;;) {
    const byte = Number(value & 0x7fn);
    value >>= 7n;
    const signBitClear = (byte & 0x40) === 0;
    if ((value === 0n && signBitClear) || (value === -1n && !signBitClear)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** Signed LEB128 of a 32-bit integer, without the BigInt arithmetic that makes emitting slow. */
function signedLeb32(value: number, out: number[]): void {
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const signBitClear = (byte & 0x40) === 0;
    if ((value === 0 && signBitClear) || (value === -1 && !signBitClear)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

/** The instruction sequence of one function body. */
export class CodeWriter {
  readonly bytes: number[] = [];

  emit(...opcodes: number[]): this {
    this.bytes.push(...opcodes);
    return this;
  }

  get(local: number): this {
    this.bytes.push(op.localGet);
    unsignedLeb(local, this.bytes);
    return this;
  }

  set(local: number): this {
    this.bytes.push(op.localSet);
    unsignedLeb(local, this.bytes);
    return this;
  }

  tee(local: number): this {
    this.bytes.push(op.localTee);
    unsignedLeb(local, this.bytes);
    return this;
  }

  i32(value: number): this {
    this.bytes.push(op.i32Const);
    signedLeb32(value | 0, this.bytes);
    return this;
  }

  /** A 32-bit number is sign-extended; a bigint is taken modulo 2^64 and encoded as the signed constant with the same bits. */
  i64(value: bigint | number): this {
    this.bytes.push(op.i64Const);
    if (typeof value === "number" && (value | 0) === value) signedLeb32(value, this.bytes);
    else signedLeb(BigInt.asIntN(64, BigInt(value)), this.bytes);
    return this;
  }

  /** A load or store: the address is on the stack, `offset` is added to it; `alignLog2` is only a hint. */
  memory(opcode: number, alignLog2: number, offset: number): this {
    this.bytes.push(opcode, alignLog2);
    unsignedLeb(offset, this.bytes);
    return this;
  }

  block(): this {
    return this.emit(op.block, EMPTY_BLOCK);
  }

  loop(): this {
    return this.emit(op.loop, EMPTY_BLOCK);
  }

  if(): this {
    return this.emit(op.if, EMPTY_BLOCK);
  }

  end(): this {
    return this.emit(op.end);
  }

  /** Branch to the enclosing block `depth` levels out (0 = innermost). */
  br(depth: number): this {
    this.bytes.push(op.br);
    unsignedLeb(depth, this.bytes);
    return this;
  }

  brIf(depth: number): this {
    this.bytes.push(op.brIf);
    unsignedLeb(depth, this.bytes);
    return this;
  }
}

export interface WasmFunction {
  name: string;
  params: ValueType[];
  results: ValueType[];
  /** Types of the locals after the parameters, in index order. */
  locals: ValueType[];
  code: CodeWriter;
}

export interface WasmModuleSpec {
  memoryPages: number;
  /** Immutable exported i32 globals, e.g. the addresses of the memory layout. */
  constants: Record<string, number>;
  functions: WasmFunction[];
}

/** Unsigned LEB128 as a fresh array. */
function uleb(value: number): number[] {
  const bytes: number[] = [];
  unsignedLeb(value, bytes);
  return bytes;
}

/** Joins byte runs with native copies (element-wise copying of the ~30 KB of code is what made emitting slow). */
function concat(parts: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function vector(items: readonly ArrayLike<number>[]): Uint8Array {
  return concat([uleb(items.length), ...items]);
}

function name(text: string): Uint8Array {
  const utf8 = new TextEncoder().encode(text);
  return concat([uleb(utf8.length), utf8]);
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concat([[id], uleb(content.length), content]);
}

function functionBody(fn: WasmFunction): Uint8Array {
  // Runs of equal types compress into (count, type) groups.
  const groups: Array<[number, ValueType]> = [];
  for (const type of fn.locals) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last[1] === type) last[0]++;
    else groups.push([1, type]);
  }
  const body = concat([uleb(groups.length), ...groups.flatMap(([count, type]) => [uleb(count), [type]]), fn.code.bytes, [op.end]]);
  return concat([uleb(body.length), body]);
}

/** Encodes the module; it exports its memory as "memory", every constant and every function under its name. */
export function encodeWasmModule(spec: WasmModuleSpec): Uint8Array<ArrayBuffer> {
  const constantNames = Object.keys(spec.constants);
  const signature = (fn: WasmFunction): number[] => [0x60, ...uleb(fn.params.length), ...fn.params, ...uleb(fn.results.length), ...fn.results];
  return concat([
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vector(spec.functions.map(signature))),
    section(3, vector(spec.functions.map((_, index) => uleb(index)))),
    section(5, vector([[0x00, ...uleb(spec.memoryPages)]])),
    section(6, vector(constantNames.map((key) => [I32, 0x00, ...new CodeWriter().i32(spec.constants[key]!).end().bytes]))),
    section(
      7,
      vector([
        concat([name("memory"), [0x02, 0x00]]),
        ...constantNames.map((key, index) => concat([name(key), [0x03], uleb(index)])),
        ...spec.functions.map((fn, index) => concat([name(fn.name), [0x00], uleb(index)])),
      ]),
    ),
    section(10, vector(spec.functions.map(functionBody))),
  ]);
}
