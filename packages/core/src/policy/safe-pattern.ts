import { RE2JS } from "re2js";

/**
 * Regular expressions from schemas (`pattern`, `patternProperties`, `format: "regex"`) run on RE2JS, whose matching
 * time is linear in the input: no pattern and argument can hold the event loop the way a backtracking engine can.
 */

/** Longer patterns are refused: RE2's compile time and memory grow with the pattern. */
export const MAX_PATTERN_LENGTH = 4096;

export type PatternCompilation = { ok: true; regex: RE2JS } | { ok: false; reason: string };

const CACHE_LIMIT = 512;
const cache = new Map<string, PatternCompilation>();

/** An ECMA-262 pattern (as JSON Schema writes them) compiled for RE2; the reason says what to change otherwise. */
export function compilePattern(source: string): PatternCompilation {
  const cached = cache.get(source);
  if (cached) return cached;
  const compiled = compileUncached(source);
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

function compileUncached(source: string): PatternCompilation {
  if (source.length > MAX_PATTERN_LENGTH) {
    return { ok: false, reason: `is ${source.length} characters long; toolshim accepts patterns of at most ${MAX_PATTERN_LENGTH}` };
  }
  try {
    return { ok: true, regex: RE2JS.compile(RE2JS.translateRegExp(source)) };
  } catch (error) {
    if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(source)) {
      return {
        ok: false,
        reason:
          "uses a backreference or lookaround, which toolshim's linear-time regex engine (RE2 syntax) cannot run; " +
          "rewrite it without them",
      };
    }
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    return { ok: false, reason: `is not a regular expression RE2 accepts (${truncate(detail, 160)})` };
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
