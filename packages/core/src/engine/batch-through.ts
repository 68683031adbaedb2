import { BatchSource, type BatchIterator, type BatchReader } from "./batch-iterator.js";

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** The transform's input: items of the current batch, then the next batch, noting when it has to wait for one. */
class Feed<T> implements AsyncIterableIterator<T> {
  #buffer: T[];
  #position = 0;
  /** Called when the transform asks for an item that is not there yet. */
  onStarved: (() => void) | undefined;

  constructor(
    private readonly source: BatchReader<T>,
    first: T[],
  ) {
    this.#buffer = first;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#position < this.#buffer.length) {
      return Promise.resolve({ done: false, value: this.#buffer[this.#position++] as T });
    }
    this.onStarved?.();
    return this.source.next().then((batch) => {
      if (batch === undefined) return DONE;
      this.#buffer = batch;
      this.#position = 1;
      return { done: false, value: batch[0] as T };
    });
  }

  // Ending the transform does not end the source: the batch iterator's return() closes both.
  async return(): Promise<IteratorResult<T>> {
    return DONE;
  }
}

/**
 * Drives the transform with callbacks rather than an await per item: outputs collect into the pull in progress, which
 * settles when the transform asks for input that has not arrived (its feed is starved), ends or fails. A result that
 * arrives after its pull settled waits for the next pull; the transform is not driven further until then, so a slow
 * reader still holds the source back.
 */
class Through<I, O> extends BatchSource<O> {
  readonly #feed: Feed<I>;
  readonly #output: AsyncIterator<O>;
  #pull: { out: O[]; resolve: (batch: O[] | undefined) => void; reject: (error: unknown) => void } | undefined;
  /** Outputs that arrived while no pull was waiting. */
  #carried: O[] = [];
  /** A step of the transform is under way. */
  #stepping = false;
  #ended = false;
  #failure: { error: unknown } | undefined;

  constructor(
    private readonly source: BatchReader<I>,
    first: I[],
    transform: (input: AsyncIterable<I>) => AsyncIterator<O>,
  ) {
    super();
    this.#feed = new Feed(source, first);
    this.#feed.onStarved = this.#starved;
    this.#output = transform(this.#feed);
  }

  protected pull(): Promise<O[] | undefined> {
    return new Promise((resolve, reject) => {
      this.#pull = { out: this.#carried, resolve, reject };
      this.#carried = [];
      if (this.#ended || this.#failure) this.#settle();
      else if (!this.#stepping) this.#step();
    });
  }

  protected async close(): Promise<void> {
    // Both at once: a transform waiting on the source only finishes its return() once the source lets it go.
    await Promise.all([this.#output.return?.(), this.source.return()]);
  }

  #step(): void {
    this.#stepping = true;
    this.#output.next().then(this.#onResult, this.#onError);
  }

  readonly #onResult = (result: IteratorResult<O>): void => {
    this.#stepping = false;
    if (result.done) {
      this.#ended = true;
      this.#settle();
      return;
    }
    const pull = this.#pull;
    if (!pull) {
      this.#carried.push(result.value);
      return;
    }
    pull.out.push(result.value);
    this.#step();
  };

  readonly #onError = (error: unknown): void => {
    this.#stepping = false;
    this.#failure = { error };
    this.#settle();
  };

  /** The transform waits for input that has not arrived: what it made so far goes now. */
  readonly #starved = (): void => {
    const pull = this.#pull;
    if (!pull || pull.out.length === 0) return;
    this.#pull = undefined;
    pull.resolve(pull.out);
  };

  /** Settles the pull in progress after the transform ended or failed (outputs before a failure go first). */
  #settle(): void {
    const pull = this.#pull;
    if (!pull) return;
    this.#pull = undefined;
    const failure = this.#failure;
    if (!failure) pull.resolve(pull.out.length > 0 ? pull.out : undefined);
    else if (pull.out.length === 0) {
      this.#failure = undefined;
      pull.reject(failure.error);
    } else {
      this.#failure = undefined;
      this.failAfterThisBatch(failure.error);
      pull.resolve(pull.out);
    }
  }
}

/**
 * Runs a per-item async transform (an async generator, such as the Chat Completions chunk encoder) over a batch
 * source and hands over, as one batch, everything the transform yields before it has to wait for more input. `first`
 * is a batch already taken from the source. Its `return()` ends the transform, then the source.
 */
export function batchThrough<I, O>(
  source: BatchReader<I>,
  first: I[],
  transform: (input: AsyncIterable<I>) => AsyncIterator<O>,
): BatchIterator<O> {
  return new Through(source, first, transform);
}
