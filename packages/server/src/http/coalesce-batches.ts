import { BatchSource, readBatches, type BatchReader } from "@toolshim/core";

const TURN = Symbol("turn");
const ignore = (): void => {};

/**
 * Merges the batches a source hands over within one turn of the event loop into one batch, so that they become one
 * write to the socket. A model's tokens arrive in bursts (one TCP read often carries many events, and several reads
 * can complete in one turn); writing each separately costs a syscall and an HTTP chunk frame apiece. Merging adds no
 * delay beyond the current turn: what is not ready by then goes out in the next batch.
 */
export function coalesceBatches<T>(source: AsyncIterable<T>): AsyncIterableIterator<T> {
  return new Coalesced(readBatches(source));
}

class Coalesced<T> extends BatchSource<T> {
  /** A read of the source that was still waiting when the turn ended. */
  private pending: Promise<T[] | undefined> | undefined;
  private ended = false;

  constructor(private readonly source: BatchReader<T>) {
    super();
  }

  protected async pull(): Promise<T[] | undefined> {
    if (this.ended) return undefined;
    const first = await (this.pending ?? this.source.next());
    this.pending = undefined;
    if (first === undefined) return undefined;
    const out = first;
    const turn = new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN));
    for (;;) {
      const next = this.source.next();
      let ready: T[] | undefined | typeof TURN;
      try {
        ready = await Promise.race([next, turn]);
      } catch (error) {
        this.failAfterThisBatch(error);
        return out;
      }
      if (ready === TURN) {
        next.catch(ignore);
        this.pending = next;
        return out;
      }
      if (ready === undefined) {
        this.ended = true;
        return out;
      }
      for (const item of ready) out.push(item);
    }
  }

  protected close(): Promise<void> {
    return this.source.return();
  }
}
