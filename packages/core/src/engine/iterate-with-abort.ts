import { ToolshimError } from "../errors.js";

export function clientClosedError(): ToolshimError {
  return new ToolshimError("The client closed the request.", { status: 499, code: "client_closed_request" });
}

/**
 * Iterates `source` but gives up the moment `signal` aborts, even when the source is stuck waiting for the network
 * and ignores the signal itself. The source is then asked to return, without waiting for it.
 */
export async function* iterateWithAbort<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  if (signal.aborted) throw clientClosedError();
  const iterator = source[Symbol.asyncIterator]();
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(clientClosedError());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  let finished = false;
  try {
    for (;;) {
      const result = await Promise.race([iterator.next(), aborted]);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    if (!finished) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}
