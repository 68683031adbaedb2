import { DeepSeekFailure } from "../client/deepseek-failure.js";

export interface EmptyAnswer {
  /** Whether reasoning was streamed before the answer turned out empty (then no other account can be tried). */
  reasoning: boolean;
  /** Accounts that answered empty for this request so far. */
  accounts?: number;
  retryAfterMs: number;
}

/**
 * A finished answer without any text. The web chat gives these to throttled accounts and for conversations too long
 * for the model (reference §6.10, §9.5), so the request moves to another account like a rate limit does; the account
 * itself is not rested, because one oversized conversation would otherwise bench every account it touched.
 */
export function emptyAnswer({ reasoning, accounts = 1, retryAfterMs }: EmptyAnswer): DeepSeekFailure {
  const what = reasoning
    ? "DeepSeek returned reasoning but no answer text"
    : `DeepSeek returned an empty answer (no text, no reasoning) on ${accounts === 1 ? "the account" : `each of the ${accounts} accounts`} tried`;
  return new DeepSeekFailure(
    "empty_output",
    `${what}. The web chat does this when an account is throttled or the conversation is too long for the model: retry later, add accounts, or shorten the conversation.`,
    { upstreamMessage: reasoning ? "reasoning without an answer" : "empty answer", retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
  );
}
