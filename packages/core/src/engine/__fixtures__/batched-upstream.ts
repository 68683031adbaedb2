import type { Upstream, UpstreamEvent, UpstreamRequest } from "../../upstream.js";
import { BatchSource } from "../batch-iterator.js";

/**
 * How the engine tests' upstreams deliver events. The `*.batched.test.ts` files set `batched` before loading the
 * same tests, so every engine behaviour is checked both per event and in batches, as a provider reading many tokens
 * per network read hands them over.
 */
export const upstreamShape = { batched: false };

const LATER = Symbol("later");
const ignore = (): void => {};

/** Groups the events a stream has ready (everything until it would wait for a timer or I/O) into batches. */
class Batched extends BatchSource<UpstreamEvent> {
  readonly #iterator: AsyncIterator<UpstreamEvent>;
  #pending: Promise<IteratorResult<UpstreamEvent>> | undefined;
  #ended = false;

  constructor(source: AsyncIterable<UpstreamEvent>) {
    super();
    this.#iterator = source[Symbol.asyncIterator]();
  }

  protected async pull(): Promise<UpstreamEvent[] | undefined> {
    if (this.#ended) return undefined;
    const out: UpstreamEvent[] = [];
    let step = await (this.#pending ?? this.#iterator.next());
    this.#pending = undefined;
    for (;;) {
      if (step.done) {
        this.#ended = true;
        return out.length > 0 ? out : undefined;
      }
      out.push(step.value);
      const next = this.#iterator.next();
      let ready: IteratorResult<UpstreamEvent> | typeof LATER;
      try {
        ready = await Promise.race([next, new Promise<typeof LATER>((resolve) => setTimeout(resolve, 0, LATER))]);
      } catch (error) {
        this.failAfterThisBatch(error);
        return out;
      }
      if (ready === LATER) {
        next.catch(ignore);
        this.#pending = next;
        return out;
      }
      step = ready;
    }
  }

  protected close(): void {
    Promise.resolve(this.#iterator.return?.()).catch(ignore);
  }
}

/** The upstream as the current shape wants it: unchanged, or its streams batched. */
export function shaped<T extends Upstream>(upstream: T): T {
  if (!upstreamShape.batched) return upstream;
  return Object.create(upstream, {
    stream: { value: (request: UpstreamRequest, signal: AbortSignal) => new Batched(upstream.stream(request, signal)) },
  }) as T;
}
