const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * `prefix` + 24 base62 characters: short enough for the strictest id rules clients replay ids under (≤ 40 chars,
 * `[A-Za-z0-9_-]`), random enough never to collide within a store.
 */
export function randomId(prefix: string, length = 24): string {
  // 62 * 4 = 248: bytes at or above it are dropped so every character is equally likely.
  let id = prefix;
  while (id.length < prefix.length + length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const byte of bytes) {
      if (byte < 248 && id.length < prefix.length + length) id += ALPHABET[byte % 62];
    }
  }
  return id;
}
