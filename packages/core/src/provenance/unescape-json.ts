const SIMPLE: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/**
 * The text with every JSON escape sequence decoded, wherever it stands. Inside a JSON string this is the string's
 * value; outside strings valid JSON has no backslashes, so nothing changes there. Decoding the whole text, rather
 * than parsing it, also covers JSON embedded in prose and texts that are not valid JSON. Linear in the length.
 */
export function unescapeJson(text: string): string {
  let from = text.indexOf("\\");
  if (from === -1) return text;
  const parts: string[] = [];
  let copied = 0;
  while (from !== -1 && from < text.length - 1) {
    const kind = text[from + 1] as string;
    let decoded: string | undefined = SIMPLE[kind];
    let width = 2;
    if (kind === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(from + 2, from + 6))) {
      decoded = String.fromCharCode(Number.parseInt(text.slice(from + 2, from + 6), 16));
      width = 6;
    }
    if (decoded === undefined) {
      from = text.indexOf("\\", from + 1);
      continue;
    }
    parts.push(text.slice(copied, from), decoded);
    copied = from + width;
    from = text.indexOf("\\", copied);
  }
  parts.push(text.slice(copied));
  return parts.join("");
}
