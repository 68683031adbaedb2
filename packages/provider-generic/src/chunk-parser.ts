import type { WireCompletion } from "./wire-types.js";

/** The delta fields whose text changes from one chunk to the next, in the order they are looked for. */
const TEXT_FIELDS = ["content", "reasoning_content", "reasoning"] as const;
type TextField = (typeof TEXT_FIELDS)[number];

/** Characters that make a JSON string literal's inside differ from its value (or end it). */
const NEEDS_DECODING = /["\\\u0000-\u001f]/;

/**
 * `JSON.parse` for a stream's chunks, faster on the common case: consecutive chunks are usually the same text except
 * for the string in `choices[0].delta.content` (or a reasoning field). After a chunk, the text before and after that
 * string literal is remembered; a later chunk that starts and ends with exactly that text, with one valid string
 * literal between, is a valid document equal to the previous one with that string replaced, so only the literal is
 * decoded. Anything else is parsed in full (and teaches the next shape). A slot is trusted only after a full parse has
 * confirmed it is the delta field.
 *
 * The object returned on the fast path is reused (its text field is overwritten by the next chunk): read it before
 * parsing the next one, never keep it.
 */
export class ChunkParser {
  private prefix = "";
  private suffix = "";
  private field: TextField = "content";
  /** The last chunk of the current shape, once a full parse confirmed the slot. */
  private template: WireCompletion | undefined;
  private learned = false;
  /** The text in the slot when it was learned: a confirmation needs a different one, or it proves nothing. */
  private learnedValue = "";

  parse(text: string): WireCompletion {
    const end = text.length - this.suffix.length;
    // Slices compared with ===, not startsWith/endsWith: V8 compares slices of one big string far faster that way.
    if (this.learned && end >= this.prefix.length + 2 && text.slice(0, this.prefix.length) === this.prefix && text.slice(end) === this.suffix) {
      const value = stringValue(text.slice(this.prefix.length, end));
      if (value !== undefined) {
        const delta = this.template?.choices?.[0]?.delta;
        if (this.template !== undefined && delta) {
          delta[this.field] = value;
          return this.template;
        }
        const parsed = JSON.parse(text) as WireCompletion;
        if (value !== this.learnedValue) {
          if (parsed?.choices?.[0]?.delta?.[this.field] === value) this.template = parsed;
          else this.learned = false;
        }
        return parsed;
      }
    }
    const parsed = JSON.parse(text) as WireCompletion;
    this.learn(text, parsed);
    return parsed;
  }

  /** Remembers where the delta's text sits in this chunk, when it can be found exactly once. */
  private learn(text: string, parsed: WireCompletion) {
    this.learned = false;
    this.template = undefined;
    const delta = parsed?.choices?.[0]?.delta;
    if (delta === null || typeof delta !== "object") return;
    const field = TEXT_FIELDS.find((name) => typeof delta[name] === "string");
    if (field === undefined) return;
    const literal = JSON.stringify(delta[field]);
    for (const key of [`"${field}":${literal}`, `"${field}": ${literal}`]) {
      const at = text.indexOf(key);
      if (at === -1) continue;
      if (text.indexOf(key, at + 1) !== -1) return;
      const start = at + key.length - literal.length;
      this.prefix = text.slice(0, start);
      this.suffix = text.slice(start + literal.length);
      this.field = field;
      this.learnedValue = delta[field] as string;
      this.learned = true;
      return;
    }
  }
}

/** The value of `literal` when it is exactly one JSON string literal, else undefined. */
function stringValue(literal: string): string | undefined {
  const last = literal.length - 1;
  if (last < 1 || literal.charCodeAt(0) !== 34 || literal.charCodeAt(last) !== 34) return undefined;
  const inside = literal.slice(1, last);
  if (!NEEDS_DECODING.test(inside)) return inside;
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
