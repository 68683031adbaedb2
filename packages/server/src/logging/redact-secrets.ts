export const REDACTED = "[redacted]";

/** Secrets at least this long are redacted wherever they occur; shorter ones only where they stand alone. */
const SUBSTRING_MIN_LENGTH = 8;

const WORD = /[\p{L}\p{N}_]/u;
// What may precede or follow a short secret that stands alone: not a letter, digit or underscore, except the tail of
// a percent-escape (`key%3Dab1`) or of a JSON escape (`\nab1`), which end in one.
const BEFORE = String.raw`(?<=^|[^\p{L}\p{N}_]|%[0-9A-Fa-f]{2}|\\[nrtbf]|\\u[0-9A-Fa-f]{4})`;
const AFTER = String.raw`(?=$|[^\p{L}\p{N}_]|%[0-9A-Fa-f]{2})`;

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

/** The forms a secret takes in text toolshim writes: as is, URL-encoded, JSON-escaped, and JSON-escaped twice. */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, encodeURIComponent(secret), json, JSON.stringify(json).slice(1, -1)];
}

/**
 * A function that replaces every configured secret in a text by `[redacted]`, whatever its length, also in its
 * URL-encoded and JSON-escaped forms. A secret of 8 characters or more is replaced wherever it occurs; a shorter one
 * only where it stands alone (not inside a longer word), so a 3-character key does not blank out every word that
 * happens to contain those letters, while `Bearer ab1`, `"ab1"` or `key=ab1` still lose it.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const forms = [...new Set(secrets.filter((secret) => secret.length > 0).flatMap(formsOf))].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return (text) => text;
  const alternatives = forms.map((form) => {
    const literal = escapeRegExp(form);
    if (form.length >= SUBSTRING_MIN_LENGTH) return literal;
    const before = WORD.test(form[0]!) ? BEFORE : "";
    const after = WORD.test(form.at(-1)!) ? AFTER : "";
    return `${before}${literal}${after}`;
  });
  const pattern = new RegExp(alternatives.join("|"), "gu");
  return (text) => (text.length === 0 ? text : text.replace(pattern, REDACTED));
}
