import { Worker } from "node:worker_threads";
import { UpstreamError } from "@toolshim/core";
import { createPowKernel, type PowKernel } from "./pow-kernel.js";
import { emitPowWasmModule } from "./pow-wasm-module.js";
import { createWasmPowKernel } from "./wasm-pow-kernel.js";

/** "wasm": the emitted WebAssembly kernel on native 64-bit lanes; "typescript": the portable reference kernel. */
export type PowKernelName = "wasm" | "typescript";

export interface PowSolverOptions {
  /** The kernel to run; default "wasm", which falls back to "typescript" where WebAssembly is unavailable. */
  kernel?: PowKernelName;
}

interface WorkerSetup {
  /** The emitted module, when the wasm kernel is wanted. */
  wasm?: Uint8Array<ArrayBuffer>;
}

interface SolveJob {
  id: number;
  prefix: Uint8Array;
  target: Uint8Array;
  end: number;
  cancel: SharedArrayBuffer;
}

interface SolveReply {
  id: number;
  kernel: PowKernelName;
  answer?: number;
  error?: string;
}

interface Pending {
  resolve(answer: number): void;
  reject(error: unknown): void;
  cancel: Int32Array;
  detach(): void;
}

/**
 * Runs inside the worker. Self-contained: only its source text reaches the worker. It gets worker_threads through
 * process.getBuiltinModule because bundlers rewrite a bare `require` in ESM output.
 */
function runSolverWorker(createTypeScriptKernel: () => PowKernel, createWasmKernel: (bytes: Uint8Array<ArrayBuffer>) => PowKernel): void {
  const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
  const setup = workerData as WorkerSetup;
  let kernel: PowKernel | undefined;
  let name: PowKernelName = "typescript";
  if (setup.wasm !== undefined) {
    try {
      kernel = createWasmKernel(setup.wasm);
      name = "wasm";
    } catch {
      // No WebAssembly here (e.g. --jitless) or the module was refused: the TypeScript kernel computes the same.
    }
  }
  kernel ??= createTypeScriptKernel();
  parentPort!.on("message", (job: SolveJob) => {
    try {
      const answer = kernel.solve(job.prefix, job.target, 0, job.end, new Int32Array(job.cancel));
      parentPort!.postMessage({ id: job.id, kernel: name, answer } satisfies SolveReply);
    } catch (error) {
      parentPort!.postMessage({ id: job.id, kernel: name, error: String(error) } satisfies SolveReply);
    }
  });
}

const WORKER_SOURCE = `(${runSolverWorker.toString()})(${createPowKernel.toString()}, ${createWasmPowKernel.toString()});`;

let wasmModuleBytes: Uint8Array<ArrayBuffer> | undefined;

/** The module is emitted once per process (a few milliseconds) and handed to every worker as bytes. */
function wasmSetup(): WorkerSetup {
  if (typeof WebAssembly !== "object") return {};
  wasmModuleBytes ??= emitPowWasmModule();
  return { wasm: wasmModuleBytes };
}

/**
 * Searches proof-of-work answers on one reused worker thread, so a search (tens of milliseconds at difficulty 144000)
 * never stalls the event loop that serves other requests. Jobs run one after another in the worker; an aborted job is
 * rejected at once and stops the worker's search within a few thousand hashes through a shared flag. The worker does
 * not keep the process alive while idle. The worker runs the WebAssembly kernel where the runtime has WebAssembly and
 * the TypeScript kernel otherwise (both compute the same answers).
 */
export class PowSolver {
  #worker: Worker | undefined;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #preferred: PowKernelName;
  #kernel: PowKernelName | undefined;

  constructor(options: PowSolverOptions = {}) {
    this.#preferred = options.kernel ?? "wasm";
  }

  /** The kernel that answered the latest search; undefined before the first answer. */
  get kernel(): PowKernelName | undefined {
    return this.#kernel;
  }

  /** Whether a worker thread is up: from the first search until `close` (or the worker's death). */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** The smallest n < end whose DeepSeekHashV1(prefix + n) equals target, or -1 when there is none. */
  search(prefix: Uint8Array, target: Uint8Array, end: number, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    const cancelBuffer = new SharedArrayBuffer(4);
    const cancel = new Int32Array(cancelBuffer);
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => {
        Atomics.store(cancel, 0, 1);
        this.#settle(id)?.reject(signal!.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, { resolve, reject, cancel, detach: () => signal?.removeEventListener("abort", onAbort) });
      worker.ref();
      worker.postMessage({ id, prefix, target, end, cancel: cancelBuffer } satisfies SolveJob);
    });
  }

  /** Stops the worker and waits until its thread has exited; pending searches are rejected. A later search starts a new worker. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#failAll(new UpstreamError("The proof-of-work solver was closed", { status: 503, retryable: true, code: "pow_failed" }));
    await worker?.terminate();
  }

  #ensureWorker(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const workerData = this.#preferred === "wasm" ? wasmSetup() : {};
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: "deepseek-pow", workerData });
    worker.on("message", (reply: SolveReply) => {
      this.#kernel = reply.kernel;
      const pending = this.#settle(reply.id);
      if (pending === undefined) return;
      if (reply.error !== undefined) {
        pending.reject(new UpstreamError(`Proof-of-work search failed: ${reply.error}`, { status: 502, retryable: true, code: "pow_failed" }));
      } else {
        pending.resolve(reply.answer!);
      }
    });
    const onDeath = (cause: unknown): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(new UpstreamError("The proof-of-work worker stopped unexpectedly", { status: 502, retryable: true, code: "pow_failed", cause }));
    };
    worker.on("error", onDeath);
    worker.on("exit", onDeath);
    worker.unref();
    this.#worker = worker;
    return worker;
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    pending.detach();
    if (this.#pending.size === 0) this.#worker?.unref();
    return pending;
  }

  #failAll(error: unknown): void {
    for (const id of [...this.#pending.keys()]) {
      const pending = this.#settle(id);
      Atomics.store(pending!.cancel, 0, 1);
      pending!.reject(error);
    }
  }
}
