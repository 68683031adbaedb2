import type { PowChallenge } from "./pow-challenge.js";

/** The JSON inside `x-ds-pow-response`: exactly these six keys (protocol reference §5.5). */
export interface PowResponse {
  algorithm: string;
  challenge: string;
  salt: string;
  answer: number;
  signature: string;
  target_path: string;
}

/** The `x-ds-pow-response` header value: standard base64 (with padding) of the compact UTF-8 JSON. */
export function encodePowResponse(challenge: PowChallenge, answer: number): string {
  const body: PowResponse = {
    algorithm: challenge.algorithm,
    challenge: challenge.challenge,
    salt: challenge.salt,
    answer,
    signature: challenge.signature,
    target_path: challenge.target_path,
  };
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64");
}

/**
 * Parses a header value back; undefined when it is not base64 of a JSON object carrying the six fields with the
 * right types (the real server answers such headers with MISSING_HEADER).
 */
export function decodePowResponse(header: string): PowResponse | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(header) || header.length % 4 !== 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const strings = ["algorithm", "challenge", "salt", "signature", "target_path"] as const;
  if (!strings.every((key) => typeof v[key] === "string")) return undefined;
  if (typeof v.answer !== "number" || !Number.isSafeInteger(v.answer)) return undefined;
  return {
    algorithm: v.algorithm as string,
    challenge: v.challenge as string,
    salt: v.salt as string,
    answer: v.answer,
    signature: v.signature as string,
    target_path: v.target_path as string,
  };
}
