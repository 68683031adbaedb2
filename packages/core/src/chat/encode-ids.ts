import { randomBytes } from "../random-bytes.js";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The largest multiple of 62 that fits a byte; bytes at or above it are rejected so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/** `length` random letters and digits from the platform's CSPRNG (Web Crypto, so it runs on every runtime). */
export function randomAlphanumeric(length: number): string {
  let text = "";
  while (text.length < length) {
    for (const byte of randomBytes(length - text.length + 8)) {
      if (byte < UNBIASED_LIMIT && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}

/** `call_` + 24 alphanumerics: 29 characters of `[A-Za-z0-9_]`, valid under the strictest upstream id rules. */
export function generateCallId(): string {
  return `call_${randomAlphanumeric(24)}`;
}

export function generateCompletionId(): string {
  return `chatcmpl-${randomAlphanumeric(24)}`;
}

/**
 * OpenAI's `system_fingerprint` shape (`fp_` and 10 hex digits), derived from the model id the client sees and the
 * encoder's revision: stable across requests and restarts, so clients that log or compare it see a steady backend,
 * and different when the model or the wire behaviour changes.
 */
export function systemFingerprintOf(model: string): string {
  return `fp_${hash40(`toolshim-chat-v2\u0000${model}`)}`;
}

/** 40 bits of a 53-bit multiplicative string hash (cyrb53), as 10 hex digits; not for security. */
function hash40(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const high = (h2 >>> 0) & 0xff;
  return high.toString(16).padStart(2, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}
