import { UpstreamError } from "@toolshim/core";

/**
 * `data.biz_data.challenge` of `POST /api/v0/chat/create_pow_challenge`, with the wire field names (protocol
 * reference §5.1).
 */
export interface PowChallenge {
  /** Always "DeepSeekHashV1"; anything else cannot be solved. */
  algorithm: string;
  /** 64 hex characters: the target digest. */
  challenge: string;
  /** 20 hex characters. */
  salt: string;
  /** Exclusive upper bound of the answer (144000 in every observation). */
  difficulty: number;
  /** Unix time in milliseconds; part of the hashed text, verbatim. */
  expire_at: number;
  /** Validity window in milliseconds (300000). */
  expire_after?: number;
  /** Server signature, echoed back untouched. */
  signature: string;
  /** The path the answer will be attached to, e.g. "/api/v0/chat/completion". */
  target_path: string;
}

export const POW_ALGORITHM = "DeepSeekHashV1";

/** The text hashed together with each candidate answer: `<salt>_<expire_at>_`. */
export function powPrefix(challenge: PowChallenge): string {
  return `${challenge.salt}_${challenge.expire_at}_`;
}

/** Throws an UpstreamError naming the problem when the challenge cannot be solved as DeepSeekHashV1. */
export function assertSolvable(challenge: PowChallenge): void {
  if (challenge.algorithm !== POW_ALGORITHM) {
    throw new UpstreamError(
      `DeepSeek asked for proof-of-work algorithm "${challenge.algorithm}"; only ${POW_ALGORITHM} is supported, so the web protocol has probably changed`,
      { status: 502, retryable: false, code: "pow_unsupported" },
    );
  }
  const problems: string[] = [];
  if (!/^[0-9a-f]{64}$/i.test(challenge.challenge)) problems.push("challenge is not 64 hex characters");
  if (typeof challenge.salt !== "string" || challenge.salt.length === 0) problems.push("salt is missing");
  if (!Number.isSafeInteger(challenge.difficulty) || challenge.difficulty < 1) problems.push("difficulty is not a positive integer");
  if (!Number.isSafeInteger(challenge.expire_at)) problems.push("expire_at is not an integer");
  if (problems.length > 0) {
    throw new UpstreamError(`DeepSeek sent a malformed proof-of-work challenge: ${problems.join("; ")}`, {
      status: 502,
      retryable: true,
      code: "pow_invalid_challenge",
    });
  }
}
