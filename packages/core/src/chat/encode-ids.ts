const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** The largest multiple of 62 that fits a byte; bytes at or above it are rejected so every character is equally likely. */
const UNBIASED_LIMIT = 248;

/** `length` random letters and digits from the platform's CSPRNG (Web Crypto, so it runs on every runtime). */
export function randomAlphanumeric(length: number): string {
  let text = "";
  while (text.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length - text.length + 8))) {
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
