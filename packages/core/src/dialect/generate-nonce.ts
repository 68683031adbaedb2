import { randomBytes } from "../random-bytes.js";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
// The largest multiple of the alphabet size below 256: bytes at or above it are redrawn so every character is equally likely.
const UNBIASED_LIMIT = 256 - (256 % ALPHABET.length);

/**
 * A fresh marker nonce: `length` lowercase alphanumerics from the platform's CSPRNG (about 5.2 bits each, 52 bits at
 * the default length), so text the model merely repeats (a user message, a tool result, a web page) cannot carry a
 * valid marker for this request.
 */
export function generateNonce(length = 10): string {
  if (!Number.isInteger(length) || length < 8) throw new RangeError("A nonce needs at least 8 characters.");
  let nonce = "";
  while (nonce.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_LIMIT && nonce.length < length) nonce += ALPHABET[byte % ALPHABET.length];
    }
  }
  return nonce;
}
