import type { CanonicalRequest, ResponseFormat } from "../canonical.js";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH } from "./json-depth.js";
import { type CompiledSchema, compileSchema } from "./schema-compiler.js";
import { validateAgainstSchema } from "./validate-against-schema.js";

type StrictFormat = Extract<ResponseFormat, { type: "json_schema" }> & { schema: Record<string, unknown>; strict: true };

function strictFormat(format: ResponseFormat | undefined): StrictFormat | undefined {
  return format?.type === "json_schema" && format.strict === true && format.schema !== undefined ? (format as StrictFormat) : undefined;
}

/**
 * Whether the text answer must be checked against a strict JSON Schema response format (Anthropic's
 * `output_config.format`, OpenAI's `json_schema` with `strict: true`) before anything of it reaches the client: such a
 * format promises a matching answer, so a text answer is held to its end, checked, and asked for again when it does
 * not match, as strict tool calls are.
 */
export function checksOutputFormat(request: Pick<CanonicalRequest, "responseFormat">): boolean {
  return strictFormat(request.responseFormat) !== undefined;
}

/** Checks a whole text answer against the request's strict response format; the schema is compiled on first use. */
export class OutputFormatCheck {
  readonly #schema: Record<string, unknown>;
  #compiled: CompiledSchema | null | undefined;

  private constructor(schema: Record<string, unknown>) {
    this.#schema = schema;
  }

  /** A check for the request's format, or undefined when its answers are not checked. */
  static of(request: Pick<CanonicalRequest, "responseFormat">): OutputFormatCheck | undefined {
    const format = strictFormat(request.responseFormat);
    return format ? new OutputFormatCheck(format.schema) : undefined;
  }

  /** Why `text` is not one JSON document matching the schema, or null when it is. */
  problem(text: string): string | null {
    const trimmed = text.trim();
    if (trimmed.startsWith("```")) return "it is wrapped in a code fence; write only the JSON";
    if (jsonTextExceedsDepth(trimmed, MAX_JSON_DEPTH)) return `it nests deeper than ${MAX_JSON_DEPTH} levels`;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return trimmed === "" ? "it is empty" : "it is not valid JSON (nothing may come before or after the JSON)";
    }
    if (this.#compiled === undefined) {
      try {
        this.#compiled = compileSchema(this.#schema);
      } catch {
        // The decoders refuse such schemas with a 400; a format built by other code is then only checked to be JSON.
        this.#compiled = null;
      }
    }
    if (this.#compiled === null) return null;
    const result = validateAgainstSchema(this.#compiled, value);
    return result.valid ? null : result.reason.replace(/^they /, "it ");
  }
}
