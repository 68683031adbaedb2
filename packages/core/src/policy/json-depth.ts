/**
 * The deepest nesting toolshim accepts in any JSON it parses or serialises (request bodies, tool schemas, call
 * arguments). `JSON.stringify` and schema validation recurse once per level, so an unbounded depth is a stack overflow;
 * 128 is far above what any real request nests and far below what overflows.
 */
export const MAX_JSON_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Whether JSON text nests `[`/`{` deeper than `limit`, found by one pass over the raw text (no recursion, no parse),
 * so it is safe to run before `JSON.parse` on any input. Text that is not JSON gives some answer; parsing rejects it.
 */
export function jsonTextExceedsDepth(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** Whether a parsed value nests arrays/objects deeper than `limit`, walked with an explicit stack (no recursion). */
export function valueExceedsDepth(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    if (typeof entry.value !== "object" || entry.value === null) continue;
    const depth = entry.depth + 1;
    if (depth > limit) return true;
    const children = Array.isArray(entry.value) ? entry.value : Object.values(entry.value);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth });
    }
  }
  return false;
}
