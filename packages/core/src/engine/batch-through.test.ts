import { describe, expect, it } from "vitest";
import { BatchSource, nextBatch, readBatches } from "./batch-iterator.js";
import { batchThrough } from "./batch-through.js";

/** A source whose batches the test hands out one at a time; each pull waits until the test releases a batch. */
class Gate extends BatchSource<number> {
  #waiting: ((batch: number[] | undefined) => void) | undefined;
  #queued: Array<number[] | undefined> = [];
  returned = false;
  get waiting(): boolean {
    return this.#waiting !== undefined;
  }
  release(batch: number[] | undefined): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(batch);
    else this.#queued.push(batch);
  }
  protected pull(): Promise<number[] | undefined> {
    if (this.#queued.length > 0) return Promise.resolve(this.#queued.shift());
    return new Promise((resolve) => (this.#waiting = resolve));
  }
  protected close(): void {
    this.returned = true;
    this.release(undefined);
  }
}

async function* doubled(input: AsyncIterable<number>): AsyncGenerator<number> {
  for await (const n of input) {
    yield n;
    yield n * 10;
  }
}

describe("batchThrough", () => {
  it("hands over everything made from one batch at once, without waiting for the next batch", async () => {
    const gate = new Gate();
    const through = batchThrough(readBatches(gate), [1, 2], doubled);
    // The source has nothing more yet: the outputs of [1, 2] must still arrive.
    expect(await through[nextBatch]()).toEqual([1, 10, 2, 20]);
    expect(gate.waiting).toBe(true);
    gate.release([3]);
    expect(await through[nextBatch]()).toEqual([3, 30]);
    gate.release(undefined);
    expect(await through[nextBatch]()).toBeUndefined();
  });

  it("waits when the transform made nothing yet, and keeps the order across batches", async () => {
    const gate = new Gate();
    async function* pairs(input: AsyncIterable<number>): AsyncGenerator<string> {
      let held: number | undefined;
      for await (const n of input) {
        if (held === undefined) held = n;
        else {
          yield `${held}+${n}`;
          held = undefined;
        }
      }
      if (held !== undefined) yield `${held}`;
    }
    const through = batchThrough(readBatches(gate), [1], pairs);
    const next = through[nextBatch]();
    gate.release([2, 3]);
    expect(await next).toEqual(["1+2"]);
    gate.release([4, 5]);
    expect(await through[nextBatch]()).toEqual(["3+4"]);
    gate.release(undefined);
    expect(await through[nextBatch]()).toEqual(["5"]);
    expect(await through[nextBatch]()).toBeUndefined();
  });

  it("reads one item at a time like any async iterator", async () => {
    const gate = new Gate();
    gate.release([2]);
    gate.release(undefined);
    const out: number[] = [];
    for await (const n of batchThrough(readBatches(gate), [1], doubled)) out.push(n);
    expect(out).toEqual([1, 10, 2, 20]);
  });

  it("delivers what the transform made before it failed, then the failure", async () => {
    async function* failing(input: AsyncIterable<number>): AsyncGenerator<number> {
      for await (const n of input) {
        if (n === 3) throw new Error("three");
        yield n;
      }
    }
    const gate = new Gate();
    const through = batchThrough(readBatches(gate), [1, 2, 3, 4], failing);
    expect(await through[nextBatch]()).toEqual([1, 2]);
    await expect(through[nextBatch]()).rejects.toThrow("three");
    expect(await through[nextBatch]()).toBeUndefined();
  });

  it("a failure of the source while the transform waits on it comes out of the next pull", async () => {
    class Broken extends BatchSource<number> {
      #calls = 0;
      protected async pull(): Promise<number[]> {
        if (this.#calls++ === 0) return [2];
        throw new Error("upstream broke");
      }
      protected close() {}
    }
    const through = batchThrough(readBatches(new Broken()), [1], doubled);
    expect(await through[nextBatch]()).toEqual([1, 10]);
    expect(await through[nextBatch]()).toEqual([2, 20]);
    await expect(through[nextBatch]()).rejects.toThrow("upstream broke");
  });

  it("return() ends the transform and the source, even when nothing was read", async () => {
    let finalized = false;
    async function* tracked(input: AsyncIterable<number>): AsyncGenerator<number> {
      try {
        yield* input;
      } finally {
        finalized = true;
      }
    }
    const unread = new Gate();
    await batchThrough(readBatches(unread), [1], tracked).return?.();
    expect(unread.returned).toBe(true);

    const gate = new Gate();
    const through = batchThrough(readBatches(gate), [1], tracked);
    expect(await through.next()).toEqual({ done: false, value: 1 });
    await through.return?.();
    expect(finalized).toBe(true);
    expect(gate.returned).toBe(true);
  });
});
