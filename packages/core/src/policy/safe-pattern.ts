import { RE2JS } from "re2js";

/**
 * Regular expressions from schemas (`pattern`, `patternProperties`, `format: "regex"`) run on RE2JS, whose matching
 * time is linear in the input: no pattern and argument can hold the event loop the way a backtracking engine can.
 */

/** Longer patterns are refused: RE2's compile time and memory grow with the pattern. */
export const MAX_PATTERN_LENGTH = 4096;

/**
 * `ecmaValid`: the pattern is a valid ECMA-262 regex (what JSON Schema means) that RE2 cannot run (backreferences,
 * lookaround, repeat counts over 1000): such a pattern can be left unenforced; one that is not a regex at all cannot.
 */
export type PatternCompilation = { ok: true; regex: RE2JS } | { ok: false; reason: string; ecmaValid: boolean };

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
    return { ok: false, reason: `is ${source.length} characters long; toolshim accepts patterns of at most ${MAX_PATTERN_LENGTH}`, ecmaValid: false };
  }
  try {
    return { ok: true, regex: RE2JS.compile(RE2JS.translateRegExp(source)) };
  } catch (error) {
    const ecmaValid = isEcmaRegex(source);
    if (ecmaValid && /\\[1-9]|\\k<|\(\?<?[=!]/.test(source)) {
      return {
        ok: false,
        ecmaValid,
        reason: "uses a backreference or lookaround, which toolshim's linear-time regex engine (RE2) cannot run; rewrite it without them",
      };
    }
    const detail = error instanceof Error ? error.message.replace(/^error parsing regexp: /, "") : String(error);
    const what = ecmaValid ? "cannot be run by toolshim's linear-time regex engine (RE2" : "is not a valid regular expression (RE2";
    return { ok: false, ecmaValid, reason: `${what}: ${truncate(detail, 160)})` };
  }
}

/** Only compiled, never run: compiling is linear in the (bounded) pattern length. */
function isEcmaRegex(source: string): boolean {
  try {
    new RegExp(source, "u");
    return true;
  } catch {
    return false;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
