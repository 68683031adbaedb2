import { describe, expect, it } from "vitest";
import { BatchSource, nextBatch, readBatches } from "./batch-iterator.js";

/** A batch source over scripted pulls: arrays, `undefined` (end), Errors (thrown) or "fail-after:<n>" markers. */
class Scripted extends BatchSource<number> {
  closed = 0;
  constructor(private readonly script: Array<number[] | undefined | Error | { items: number[]; then: Error }>) {
    super();
  }
  protected async pull(): Promise<number[] | undefined> {
    const step = this.script.shift();
    if (step instanceof Error) throw step;
    if (step && !Array.isArray(step)) {
      this.failAfterThisBatch(step.then);
      return step.items;
    }
    return step;
  }
  protected close(): void {
    this.closed++;
  }
}

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe("readBatches", () => {
  it("reads whole batches from a batch iterator and single items from anything else", async () => {
    const batches = readBatches(new Scripted([[1, 2, 3], [4], undefined]));
    expect([await batches.next(), await batches.next(), await batches.next()]).toEqual([[1, 2, 3], [4], undefined]);

    async function* plain() {
      yield 1;
      yield 2;
    }
    const single = readBatches(plain());
    expect([await single.next(), await single.next(), await single.next()]).toEqual([[1], [2], undefined]);
  });
});

describe("BatchSource", () => {
  it("skips empty pulls, and next() and [nextBatch]() can be mixed without losing order", async () => {
    const source = new Scripted([[], [1, 2, 3], [], [4, 5], undefined]);
    expect(await source.next()).toEqual({ done: false, value: 1 });
    expect(await source[nextBatch]()).toEqual([2, 3]);
    expect(await source.next()).toEqual({ done: false, value: 4 });
    expect(await all(source)).toEqual([5]);
    expect(await source[nextBatch]()).toBeUndefined();
    expect(source.closed).toBe(0);
  });

  it("hands over the items before a failure, then throws it, then is done", async () => {
    const source = new Scripted([[1], { items: [2, 3], then: new Error("broke") }, [9]]);
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const item of source) seen.push(item);
      })(),
    ).rejects.toThrow("broke");
    expect(seen).toEqual([1, 2, 3]);
    expect(await source.next()).toEqual({ done: true, value: undefined });
  });

  it("is done after a pull throws, like a generator", async () => {
    const source = new Scripted([new Error("first"), [1]]);
    await expect(source[nextBatch]()).rejects.toThrow("first");
    expect(await source[nextBatch]()).toBeUndefined();
  });

  it("closes once on return(), and not at all after it ended by itself", async () => {
    const open = new Scripted([[1, 2], [3]]);
    expect(await open.next()).toEqual({ done: false, value: 1 });
    await open.return();
    await open.return();
    expect(open.closed).toBe(1);
    expect(await open.next()).toEqual({ done: true, value: undefined });

    const ended = new Scripted([[1], undefined]);
    expect(await all(ended)).toEqual([1]);
    await ended.return();
    expect(ended.closed).toBe(0);
  });

  it("drops what a pending pull brings after return()", async () => {
    let release: (batch: number[]) => void = () => {};
    class Slow extends BatchSource<number> {
      protected pull() {
        return new Promise<number[]>((resolve) => (release = resolve));
      }
      protected close() {}
    }
    const source = new Slow();
    const pending = source[nextBatch]();
    await source.return();
    release([1, 2]);
    expect(await pending).toBeUndefined();
  });
});
