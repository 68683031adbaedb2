import { UpstreamError } from "@toolshim/core";

/** How long toolshim waits on one provider, measured in bytes received from its upstream (per attempt). */
export interface UpstreamTimeouts {
  /** From asking the provider for an answer to the first byte the upstream sends back. */
  firstByteMs: number;
  /** The longest gap between two bytes after the first, counted only while toolshim is waiting for more. */
  idleMs: number;
  /** The longest one answer may take from start to end, however steadily bytes arrive; 0: no limit. */
  totalMs: number;
}

/** 30 minutes: longer than any real answer streams, short enough that an upstream dripping bytes is cut off. */
export const DEFAULT_TOTAL_TIMEOUT_MS = 30 * 60_000;

export interface TimeoutFacts {
  kind: "first-byte" | "idle" | "total";
  limitMs: number;
  /** Bytes received from the upstream in this attempt. */
  bytes: number;
  /** Events the provider produced in this attempt (for providers that do not fetch, whose bytes are not counted). */
  events: number;
}

/** The 504 for a limit that was hit, saying which one and what had arrived by then. */
export function upstreamTimeoutError(provider: string, facts: TimeoutFacts): UpstreamError {
  const key = `providers.${provider}.timeouts.${facts.kind === "first-byte" ? "firstByteMs" : facts.kind === "idle" ? "idleMs" : "totalMs"}`;
  const received = facts.bytes > 0 ? `${facts.bytes} bytes` : `${facts.events} events`;
  const what =
    facts.kind === "first-byte"
      ? `sent no first byte within ${facts.limitMs} ms`
      : facts.kind === "idle"
        ? `sent no bytes for ${facts.limitMs} ms after ${received}`
        : `was still answering after ${facts.limitMs} ms (${received} received)`;
  const hint =
    facts.kind === "first-byte"
      ? "raise it if the model is slow to start (long prompts on CPU)"
      : facts.kind === "idle"
        ? "raise it if the model pauses that long mid-answer"
        : "raise it (or set 0 for no limit) if answers legitimately take longer";
  return new UpstreamError(`The upstream "${provider}" ${what}, so toolshim gave up (${key}: ${hint}).`, {
    status: 504,
    retryable: true,
    code: "upstream_timeout",
  });
}

/** A provider's limits: its `timeouts` where set, else `server.requestTimeoutMs` (first byte, idle) and 30 minutes. */
export function resolveTimeouts(provider: { timeouts?: Partial<UpstreamTimeouts> } | undefined, requestTimeoutMs: number): UpstreamTimeouts {
  const own = provider?.timeouts ?? {};
  return {
    firstByteMs: own.firstByteMs ?? requestTimeoutMs,
    idleMs: own.idleMs ?? requestTimeoutMs,
    totalMs: own.totalMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
  };
}
