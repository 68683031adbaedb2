const TURN = Symbol("turn");

/**
 * Merges the byte chunks a stream produces within one turn of the event loop into one chunk. An SSE response is
 * written to the socket one chunk at a time; a model's tokens arrive from the upstream in bursts (one TCP read often
 * carries many events), and writing each resulting event separately costs a syscall and an HTTP chunk frame apiece.
 * Merging adds no delay beyond the current turn: what is not ready by then goes out in the next write.
 */
export function coalesceStream(source: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  const endOfTurn = () => new Promise<typeof TURN>((resolve) => setImmediate(resolve, TURN));

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const parts: Uint8Array[] = [];
      let size = 0;
      let result = await (pending ?? reader.read());
      pending = undefined;
      const turn = endOfTurn();
      while (!result.done) {
        parts.push(result.value);
        size += result.value.byteLength;
        const next = reader.read();
        const ready = await Promise.race([next, turn]);
        if (ready === TURN) {
          pending = next;
          break;
        }
        result = ready;
      }
      if (parts.length === 1) controller.enqueue(parts[0]!);
      else if (parts.length > 1) {
        const merged = new Uint8Array(size);
        let offset = 0;
        for (const part of parts) {
          merged.set(part, offset);
          offset += part.byteLength;
        }
        controller.enqueue(merged);
      }
      if (result.done) controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
