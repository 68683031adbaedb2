/**
 * Starts `events` and waits for its first item, so a failure before any output is thrown here (and can be answered
 * with a JSON error and its status) rather than inside a stream that already said 200.
 */
export async function primeEvents<T>(events: AsyncIterable<T>): Promise<{ events: AsyncIterable<T>; close: () => Promise<void> }> {
  const source = events[Symbol.asyncIterator]();
  const first = await source.next();
  async function* replay(): AsyncGenerator<T> {
    if (first.done) return;
    yield first.value;
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  return {
    events: replay(),
    close: async () => {
      await source.return?.();
    },
  };
}

/**
 * `outer` whose `return()` also closes the source it reads: a generator that was never started ignores `return()`,
 * which would leave the engine (and its upstream request) running when a server drops a stream before reading it.
 */
export function closingSource<T>(outer: AsyncGenerator<T>, close: () => Promise<void>): AsyncIterableIterator<T> {
  return {
    next: () => outer.next(),
    async return(value?: unknown) {
      await outer.return(undefined);
      await close();
      return { done: true, value: value as T };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
