import { createHmac, randomBytes, randomInt } from "node:crypto";
import { deepSeekHashV1, decodePowResponse, POW_ALGORITHM } from "../pow/index.js";
import type { IssuedChallenge, PowRejection } from "./double-types.js";

export type PowVerdict = { ok: true; challenge: IssuedChallenge } | { ok: false; reason: PowRejection };

/**
 * Issues real DeepSeekHashV1 challenges (protocol reference §5.1) and checks `x-ds-pow-response` headers against
 * them: issued by this double, signature and target path unchanged, not expired, not spent, and the answer hashes to
 * the challenge.
 */
export class PowLedger {
  readonly issued: IssuedChallenge[];
  #secret = randomBytes(32);
  #options: { difficulty: number; expireAfterMs: number; now: () => number };

  constructor(issued: IssuedChallenge[], options: { difficulty: number; expireAfterMs: number; now: () => number }) {
    this.issued = issued;
    this.#options = options;
  }

  issue(targetPath: string, token: string): IssuedChallenge {
    const { difficulty, expireAfterMs, now } = this.#options;
    const salt = randomBytes(10).toString("hex");
    const expireAt = now() + expireAfterMs;
    const answer = randomInt(0, difficulty);
    const challenge = deepSeekHashV1(`${salt}_${expireAt}_${answer}`);
    const issued: IssuedChallenge = {
      algorithm: POW_ALGORITHM,
      challenge,
      salt,
      signature: this.#sign(challenge, salt, expireAt, targetPath),
      difficulty,
      expire_at: expireAt,
      expire_after: expireAfterMs,
      target_path: targetPath,
      answer,
      token,
    };
    this.issued.push(issued);
    return issued;
  }

  /**
   * `acceptedPaths`: target paths the request may carry. `mayReuse`: whether an already spent challenge is
   * acceptable (ds2api sends the completion's header again with `/chat/continue`).
   */
  verify(header: string | undefined, acceptedPaths: string[], mayReuse: (spent: IssuedChallenge) => boolean = () => false): PowVerdict {
    if (header === undefined || header === "") return { ok: false, reason: "missing" };
    const response = decodePowResponse(header);
    if (response === undefined) return { ok: false, reason: "undecodable" };
    const issued = this.issued.find((c) => c.challenge === response.challenge);
    if (issued === undefined || response.algorithm !== issued.algorithm || response.salt !== issued.salt) {
      return { ok: false, reason: "unknown-challenge" };
    }
    if (response.signature !== issued.signature || response.target_path !== issued.target_path) {
      return { ok: false, reason: response.signature !== issued.signature ? "bad-signature" : "wrong-target-path" };
    }
    if (!acceptedPaths.includes(issued.target_path)) return { ok: false, reason: "wrong-target-path" };
    if (this.#options.now() > issued.expire_at) return { ok: false, reason: "expired" };
    if (issued.usedBy !== undefined && !mayReuse(issued)) return { ok: false, reason: "reused" };
    if (response.answer < 0 || deepSeekHashV1(`${issued.salt}_${issued.expire_at}_${response.answer}`) !== issued.challenge) {
      return { ok: false, reason: "wrong-answer" };
    }
    return { ok: true, challenge: issued };
  }

  #sign(challenge: string, salt: string, expireAt: number, targetPath: string): string {
    return createHmac("sha256", this.#secret).update(`${challenge}|${salt}|${expireAt}|${targetPath}`).digest("hex");
  }
}
