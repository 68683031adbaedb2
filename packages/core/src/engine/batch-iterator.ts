/**
 * Key of an optional method on an async iterator: `[nextBatch]()` resolves to every item the iterator has ready (at
 * least one), waiting only when it has none, or to undefined at the end. One upstream read often carries dozens of
 * tokens; handing them on as one batch costs one promise hop per stage instead of one per token per stage. Plain
 * `next()` keeps working on the same iterator, in the same order. `Symbol.for` so that copies of this package loaded
 * twice (a provider built against another install) still recognise each other.
 */
export const nextBatch: unique symbol = Symbol.for("toolshim.nextBatch") as never;

export interface BatchIterator<T> extends AsyncIterableIterator<T> {
  [nextBatch](): Promise<T[] | undefined>;
}

/** Reads any async iterable in batches: whole batches from a `BatchIterator`, one item at a time from anything else. */
export interface BatchReader<T> {
  next(): Promise<T[] | undefined>;
  /** Stops the source early (its `return()`), when it has not ended. */
  return(): Promise<void>;
}

export function readBatches<T>(source: AsyncIterable<T>): BatchReader<T> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<T> & Partial<BatchIterator<T>>;
  const batches = typeof iterator[nextBatch] === "function";
  return {
    next: batches
      ? () => iterator[nextBatch]!()
      : () => iterator.next().then((step) => (step.done ? undefined : [step.value])),
    async return() {
      await iterator.return?.();
    },
  };
}

/** True when `source`'s iterator hands over batches (see `nextBatch`). */
export function isBatchIterator<T>(iterator: AsyncIterator<T>): iterator is BatchIterator<T> {
  return typeof (iterator as Partial<BatchIterator<T>>)[nextBatch] === "function";
}

const NO_ITEMS: never[] = [];

/**
 * Base of a hand-written batch iterator: a subclass says how to produce the next batch (`pull`) and how to stop
 * early (`close`); this class gives it `next()`, `[nextBatch]()`, `return()` and iteration. Cheaper than an async
 * generator on a per-token path, and it keeps a generator's contract: after an error or `return()` it is done.
 */
export abstract class BatchSource<T> implements BatchIterator<T> {
  #buffer: T[] = NO_ITEMS;
  #position = 0;
  #done = false;
  #failure: { error: unknown } | undefined;

  /** The next items; an empty array means "nothing yet, ask again", undefined means the end. */
  protected abstract pull(): Promise<T[] | undefined>;

  /**
   * Stop early: release whatever the source holds, and make a pull in progress settle (abort its I/O). Called at
   * most once, only when the source had not ended.
   */
  protected abstract close(): void | Promise<void>;

  /** Makes the batch being returned the last one: the next call throws `error` (items before a failure go first). */
  protected failAfterThisBatch(error: unknown): void {
    this.#failure = { error };
  }

  /** Whether the iterator has ended (finished, failed or returned); a pending `pull` may check it after waiting. */
  protected get finished(): boolean {
    return this.#done;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#position < this.#buffer.length) return { done: false, value: this.#buffer[this.#position++] as T };
    const batch = await this[nextBatch]();
    if (batch === undefined) return { done: true, value: undefined };
    this.#buffer = batch;
    this.#position = 1;
    return { done: false, value: batch[0] as T };
  }

  // Not an async function: a pull's promise is chained once (`then`), not awaited inside another promise. Every
  // stage of a stream is one of these, and each upstream read passes through all of them.
  [nextBatch](): Promise<T[] | undefined> {
    if (this.#position < this.#buffer.length) {
      const rest = this.#position === 0 ? this.#buffer : this.#buffer.slice(this.#position);
      this.#buffer = NO_ITEMS;
      this.#position = 0;
      return Promise.resolve(rest);
    }
    return this.#pullNext();
  }

  #pullNext(): Promise<T[] | undefined> {
    if (this.#failure) {
      const { error } = this.#failure;
      this.#failure = undefined;
      this.#done = true;
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve(undefined);
    let pulled: Promise<T[] | undefined>;
    try {
      pulled = this.pull();
    } catch (error) {
      this.#done = true;
      return Promise.reject(error);
    }
    return pulled.then(this.#onPulled, this.#onPullFailed);
  }

  readonly #onPulled = (batch: T[] | undefined): T[] | undefined | Promise<T[] | undefined> => {
    // Returned while waiting: what arrived since belongs to nobody.
    if (this.#done) return undefined;
    if (batch === undefined) {
      this.#done = true;
      return undefined;
    }
    // An empty batch means "nothing yet": ask again.
    return batch.length > 0 ? batch : this.#pullNext();
  };

  readonly #onPullFailed = (error: unknown): undefined => {
    if (this.#done) return undefined;
    this.#done = true;
    throw error;
  };

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.#buffer = NO_ITEMS;
    this.#position = 0;
    this.#failure = undefined;
    if (!this.#done) {
      this.#done = true;
      await this.close();
    }
    return { done: true, value: value as T };
  }
}
