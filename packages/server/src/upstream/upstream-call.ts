import { AsyncLocalStorage } from "node:async_hooks";

/** What the server learns about the upstream side of one client request, for its log line. */
export interface UpstreamCallRecord {
  /** Calls of `Upstream.stream` (the engine may ask again after a broken answer). */
  attempts: number;
  /** HTTP requests the provider made, and the status of the last one. */
  httpRequests: number;
  upstreamStatus?: number;
  /** Milliseconds from the request's arrival to the upstream's first event. */
  firstEventMs?: number;
  events: number;
}

/**
 * The call a provider is working for. Providers never see it: the server runs each step of a provider's stream
 * inside this scope, and the fetch it injects reads the scope to record HTTP statuses per client request.
 */
export const upstreamCallScope = new AsyncLocalStorage<UpstreamCallRecord>();

/** The fetch given to providers: plain fetch that notes each response status in the current call's record. */
export function instrumentFetch(base: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const record = upstreamCallScope.getStore();
    if (record) record.httpRequests++;
    const response = await base(input, init);
    if (record) record.upstreamStatus = response.status;
    return response;
  };
}
