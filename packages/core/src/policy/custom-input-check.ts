import { RE2JS } from "re2js";
import type { ToolDefinition } from "../canonical.js";
import type { ArgumentCheck } from "./argument-validator.js";

/**
 * Checks a custom tool's raw input against its format. A `regex` grammar is enforced with RE2JS (linear-time matching,
 * so no input or pattern can stall the event loop) and must match the whole input, as OpenAI's constrained decoding
 * guarantees. `text` accepts anything; a `lark` grammar is passed through unchecked, since no maintained JavaScript
 * Lark parser exists, and so is a pattern RE2 cannot compile (it cannot be enforced, only documented as such).
 */
export class CustomInputCheck {
  readonly #patterns = new Map<string, RE2JS | null>();

  check(tool: ToolDefinition, input: string): ArgumentCheck {
    const format = tool.custom?.format;
    if (format?.type !== "grammar" || format.syntax !== "regex") return { valid: true };
    const pattern = this.#compile(format.definition);
    if (!pattern || pattern.matches(input)) return { valid: true };
    // "syntax": input outside the grammar is unusable for the client, as JSON that does not parse is.
    return { valid: false, problem: "syntax", reason: `the input does not match the tool's regular expression ${JSON.stringify(format.definition)}` };
  }

  #compile(definition: string): RE2JS | null {
    if (this.#patterns.has(definition)) return this.#patterns.get(definition) ?? null;
    let pattern: RE2JS | null = null;
    try {
      pattern = RE2JS.compile(definition);
    } catch {
      pattern = null;
    }
    this.#patterns.set(definition, pattern);
    return pattern;
  }
}
