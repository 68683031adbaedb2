import { UpstreamError } from "@toolshim/core";
import { assertSolvable, powPrefix, type PowChallenge } from "./pow-challenge.js";
import { PowSolver } from "./pow-solver.js";

const sharedSolver = new PowSolver();
const encoder = new TextEncoder();

/**
 * Finds the answer to a DeepSeek proof-of-work challenge (protocol reference §5.3) on a worker thread; the event loop
 * stays free. Rejects with the signal's reason when aborted, and with an UpstreamError (code "pow_unsupported",
 * "pow_invalid_challenge" or "pow_failed") when the challenge cannot be solved.
 */
export async function solvePowChallenge(challenge: PowChallenge, signal?: AbortSignal, solver: PowSolver = sharedSolver): Promise<number> {
  assertSolvable(challenge);
  const target = Uint8Array.from(Buffer.from(challenge.challenge, "hex"));
  const answer = await solver.search(encoder.encode(powPrefix(challenge)), target, challenge.difficulty, signal);
  if (answer < 0) {
    throw new UpstreamError(
      `No proof-of-work answer below difficulty ${challenge.difficulty} matches the challenge; DeepSeek's hash may have changed`,
      { status: 502, retryable: true, code: "pow_failed" },
    );
  }
  return answer;
}
