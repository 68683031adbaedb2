import { UpstreamError, type Upstream, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { upstreamCallScope, type UpstreamCallRecord } from "./upstream-call.js";

export interface WatchOptions {
  /** Provider name, for messages. */
  name: string;
  /** Give up when the upstream sends nothing for this long (before its first event or between two). */
  idleTimeoutMs: number;
  record: UpstreamCallRecord;
  /** Milliseconds since the client request arrived. */
  elapsed: () => number;
}

/**
 * Wraps a provider for one client request: enforces the silence timeout (a stalled upstream becomes a 504 before the
 * first event, or a stream error after it), makes sure the provider's own request is aborted when the client goes
 * away or the timeout fires, and records timings and HTTP statuses for the request's log line.
 */
export function watchUpstream(upstream: Upstream, options: WatchOptions): Upstream {
  const watched: Upstream = {
    name: upstream.name,
    listModels: () => upstream.listModels(),
    stream: (request, signal) => watchStream(upstream, request, signal, options),
  };
  if (upstream.toolMode) watched.toolMode = (model) => upstream.toolMode!(model);
  if (upstream.noteToolsIgnored) watched.noteToolsIgnored = (model) => upstream.noteToolsIgnored!(model);
  return watched;
}

async function* watchStream(
  upstream: Upstream,
  request: UpstreamRequest,
  signal: AbortSignal,
  options: WatchOptions,
): AsyncGenerator<UpstreamEvent> {
  const { record } = options;
  const local = new AbortController();
  const forward = () => local.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  record.attempts++;

  const iterator = upstreamCallScope.run(record, () => upstream.stream(request, local.signal)[Symbol.asyncIterator]());
  let finished = false;
  try {
    for (;;) {
      const step = await nextWithin(
        upstreamCallScope.run(record, () => iterator.next()),
        options.idleTimeoutMs,
        () => {
          const error = new UpstreamError(
            `The upstream "${options.name}" sent nothing for ${options.idleTimeoutMs} ms, so toolshim gave up ` +
              `(server.requestTimeoutMs). Try again, or raise the limit if the model is slow to start.`,
            { status: 504, retryable: true, code: "upstream_timeout" },
          );
          local.abort(error);
          return error;
        },
      );
      if (step.done) {
        finished = true;
        return;
      }
      record.events++;
      record.firstEventMs ??= options.elapsed();
      yield step.value;
    }
  } finally {
    signal.removeEventListener("abort", forward);
    if (!finished) {
      // The consumer stopped early (client gone, engine done) or the upstream stalled: stop the provider's request.
      // Not awaited: a provider stuck in a pending step would otherwise hold this generator open.
      local.abort(signal.reason ?? new Error("toolshim stopped reading the upstream"));
      void iterator.return?.().catch(() => undefined);
    }
  }
}

function nextWithin<T>(step: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([step, timeout]).finally(() => clearTimeout(timer));
}
