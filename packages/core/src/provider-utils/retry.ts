/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date, in whole seconds; undefined when absent or unreadable. */
export function retryAfterSeconds(headers: Headers, now: () => number = () => Date.now()): number | undefined {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.get("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const value = headers.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now()) / 1000));
}

export interface BackoffOptions {
  /** The first pause, doubled on every further attempt. Default 500 ms. */
  baseMs?: number;
  /** No pause is longer than this, whatever the attempt or `retry-after` says. Default 30 s. */
  maxMs?: number;
  /** In [0, 1); injectable for tests. Jitter keeps many clients from retrying in step. */
  random?: () => number;
}

/**
 * The pause before attempt `attempt + 1` (attempt counts from 0): the upstream's `retry-after` when it gave one,
 * otherwise exponential backoff with full jitter; never above `maxMs`.
 */
export function backoffDelayMs(attempt: number, retryAfter: number | undefined, options: BackoffOptions = {}): number {
  const maxMs = options.maxMs ?? 30_000;
  if (retryAfter !== undefined) return Math.min(retryAfter * 1000, maxMs);
  const ceiling = Math.min((options.baseMs ?? 500) * 2 ** attempt, maxMs);
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. Default 3. */
  attempts?: number;
  /** Whether an error is worth another attempt; the error's `retryAfter` (seconds) is honoured. Default: `retryable`. */
  isRetryable?(error: unknown): boolean;
  signal?: AbortSignal;
  /** Injectable for tests (fake timers or none). */
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Runs `attempt` until it succeeds, fails with an error that is not retryable, or the attempts run out. */
export async function withRetry<T>(attempt: (index: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const isRetryable = options.isRetryable ?? ((error: unknown) => (error as { retryable?: unknown })?.retryable === true);
  const sleep = options.sleep ?? abortableSleep;
  for (let index = 0; ; index++) {
    try {
      return await attempt(index);
    } catch (error) {
      if (index + 1 >= attempts || !isRetryable(error) || options.signal?.aborted) throw error;
      const retryAfter = (error as { retryAfter?: unknown })?.retryAfter;
      await sleep(backoffDelayMs(index, typeof retryAfter === "number" ? retryAfter : undefined, options), options.signal);
    }
  }
}

/** A pause that ends early, rejecting with the signal's reason, when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
