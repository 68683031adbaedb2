import { BatchSource, nextBatch, type BatchIterator } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { coalesceBatches } from "./coalesce-batches.js";

/** Batches released by the test; each pull waits for the next one. */
class Gate extends BatchSource<number> {
  private waiting: ((batch: number[] | undefined) => void) | undefined;
  private queued: Array<number[] | undefined> = [];
  private failure: Error | undefined;
  release(batch: number[] | undefined) {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(batch);
    else this.queued.push(batch);
  }
  fail(error: Error) {
    this.failure = error;
    this.release([]);
  }
  protected async pull(): Promise<number[] | undefined> {
    const batch = this.queued.length > 0 ? this.queued.shift() : await new Promise<number[] | undefined>((resolve) => (this.waiting = resolve));
    if (this.failure) throw this.failure;
    return batch;
  }
  protected close() {
    this.release(undefined);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("coalesceBatches", () => {
  it("merges the batches ready within one turn of the event loop, and no more", async () => {
    const gate = new Gate();
    const merged = coalesceBatches(gate) as BatchIterator<number>;
    gate.release([1, 2]);
    gate.release([3]);
    const first = merged[nextBatch]();
    // Ready before the turn ends: merged.
    queueMicrotask(() => gate.release([4]));
    expect(await first).toEqual([1, 2, 3, 4]);

    const second = merged[nextBatch]();
    await turn();
    gate.release([5]);
    // Nothing else arrives in that turn: the batch goes out alone.
    expect(await second).toEqual([5]);
    setImmediate(() => gate.release([6]));
    expect(await merged[nextBatch]()).toEqual([6]);
    gate.release(undefined);
    expect(await merged[nextBatch]()).toBeUndefined();
  });

  it("sends what it merged before a failure, then the failure", async () => {
    const gate = new Gate();
    const merged = coalesceBatches(gate) as BatchIterator<number>;
    gate.release([1]);
    const first = merged[nextBatch]();
    queueMicrotask(() => gate.fail(new Error("broke")));
    expect(await first).toEqual([1]);
    await expect(merged[nextBatch]()).rejects.toThrow("broke");
  });

  it("returns its source", async () => {
    const gate = new Gate();
    let returned = false;
    const original = gate.return.bind(gate);
    gate.return = async (value?: unknown) => {
      returned = true;
      return original(value);
    };
    const merged = coalesceBatches(gate);
    gate.release([1]);
    expect(await merged.next()).toEqual({ done: false, value: 1 });
    await merged.return?.();
    expect(returned).toBe(true);
  });
});
