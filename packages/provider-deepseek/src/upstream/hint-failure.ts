import { DeepSeekFailure } from "../client/deepseek-failure.js";
import type { StreamEvent } from "../stream/stream-event.js";

/**
 * How long an account rests after the server refused a stream for concurrency. That refusal usually means streams we
 * already left are still winding down on the server, which takes moments, not the minute a throttle needs.
 */
export const BUSY_PAUSE_MS = 1_000;

/** The failure an in-stream error hint stands for (reference §6.10). */
export function failureFromHint(hint: Extract<StreamEvent, { type: "hint" }>, rateLimitCooldownMs: number): DeepSeekFailure {
  const said = [hint.finishReason, hint.content].filter(Boolean).join(": ");
  if (hint.finishReason === "input_exceeds_limit") {
    return new DeepSeekFailure("input_too_long", "The conversation is too long for the DeepSeek web chat; shorten it and try again.", {
      upstreamMessage: said,
    });
  }
  if (hint.finishReason === "rate_limit_reached" || /频繁|too frequent|rate.?limit/i.test(hint.content)) {
    // "…请稍后再试" is the concurrency refusal, "…请稍后重试" the throttle.
    if (hint.content.includes("再试")) {
      return new DeepSeekFailure("busy", "DeepSeek refused another concurrent answer on this account.", {
        upstreamMessage: said,
        retryAfter: Math.ceil(BUSY_PAUSE_MS / 1000),
      });
    }
    return throttled(said, rateLimitCooldownMs);
  }
  return new DeepSeekFailure("upstream", `DeepSeek stopped the answer: ${hint.content || hint.finishReason}.`, { upstreamMessage: said });
}

export function throttled(said: string, rateLimitCooldownMs: number): DeepSeekFailure {
  return new DeepSeekFailure("rate_limited", "DeepSeek is throttling this account (messages too frequent).", {
    upstreamMessage: said,
    retryAfter: Math.max(1, Math.ceil(rateLimitCooldownMs / 1000)),
  });
}
