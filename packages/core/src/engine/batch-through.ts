import { BatchSource, type BatchIterator, type BatchReader } from "./batch-iterator.js";

const STARVED = Symbol("starved");
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const ignore = (): void => {};

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

class Through<I, O> extends BatchSource<O> {
  readonly #feed: Feed<I>;
  readonly #output: AsyncIterator<O>;
  /** The transform's step that was still waiting for input when the last batch was handed over. */
  #pending: Promise<IteratorResult<O>> | undefined;
  #ended = false;

  constructor(
    private readonly source: BatchReader<I>,
    first: I[],
    transform: (input: AsyncIterable<I>) => AsyncIterator<O>,
  ) {
    super();
    this.#feed = new Feed(source, first);
    this.#output = transform(this.#feed);
  }

  protected async pull(): Promise<O[] | undefined> {
    if (this.#ended) return undefined;
    const out: O[] = [];
    for (;;) {
      let step: IteratorResult<O> | typeof STARVED;
      try {
        step = out.length === 0 ? await this.#first() : await this.#unlessStarved();
      } catch (error) {
        if (out.length === 0) throw error;
        this.failAfterThisBatch(error);
        return out;
      }
      if (step === STARVED) return out;
      if (step.done) {
        this.#ended = true;
        return out.length === 0 ? undefined : out;
      }
      out.push(step.value);
    }
  }

  protected async close(): Promise<void> {
    // Both at once: a transform waiting on the source only finishes its return() once the source lets it go.
    await Promise.all([this.#output.return?.(), this.source.return()]);
  }

  /** The next output, however long it takes. */
  #first(): Promise<IteratorResult<O>> {
    this.#feed.onStarved = undefined;
    const pending = this.#pending;
    this.#pending = undefined;
    return pending ?? this.#output.next();
  }

  /** The next output if the transform can make it from input already here; STARVED when it has to wait for more. */
  async #unlessStarved(): Promise<IteratorResult<O> | typeof STARVED> {
    let starved = false;
    let wake: (value: typeof STARVED) => void = ignore;
    this.#feed.onStarved = () => {
      starved = true;
      wake(STARVED);
    };
    const step = this.#output.next();
    const result = starved
      ? STARVED
      : await new Promise<IteratorResult<O> | typeof STARVED>((resolve, reject) => {
          wake = resolve;
          step.then(resolve, reject);
        });
    this.#feed.onStarved = undefined;
    if (result === STARVED) {
      // Awaited by the next pull; until then a rejection must not count as unhandled.
      step.catch(ignore);
      this.#pending = step;
    }
    return result;
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
