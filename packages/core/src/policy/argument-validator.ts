import type { ToolDefinition } from "../canonical.js";
import { CustomInputCheck } from "./custom-input-check.js";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH } from "./json-depth.js";
import { type CompiledSchema, compileSchema } from "./schema-compiler.js";
import { DEFAULT_VALIDATION_BUDGET, type ValidationBudget, validateAgainstSchema } from "./validate-against-schema.js";

/** `syntax`: not a JSON object at all, so no client could use it; `schema`: JSON that breaks the tool's schema. */
export type ArgumentCheck = { valid: true } | { valid: false; problem: "syntax" | "schema"; reason: string };

/**
 * Checks call arguments against each tool's JSON Schema; schemas are compiled once per tool, on first use. Regexes run
 * on RE2 and every check has a budget (see `validateAgainstSchema`), so no schema and no arguments can stall the
 * caller.
 */
export class ArgumentValidator {
  readonly #tools: Map<string, ToolDefinition>;
  readonly #compiled = new Map<string, CompiledSchema | null>();
  readonly #budget: ValidationBudget;
  #customCheck: CustomInputCheck | undefined;

  constructor(tools: readonly ToolDefinition[], budget: ValidationBudget = DEFAULT_VALIDATION_BUDGET) {
    this.#tools = new Map(tools.map((tool) => [tool.name, tool]));
    this.#budget = budget;
  }

  check(toolName: string, argumentsText: string): ArgumentCheck {
    const tool = this.#tools.get(toolName);
    // A custom tool's input is raw text, checked against its grammar rather than parsed as JSON.
    if (tool?.custom) return (this.#customCheck ??= new CustomInputCheck()).check(tool, argumentsText);
    if (jsonTextExceedsDepth(argumentsText, MAX_JSON_DEPTH)) {
      return { valid: false, problem: "syntax", reason: `they nest deeper than ${MAX_JSON_DEPTH} levels` };
    }
    let value: unknown;
    try {
      value = JSON.parse(argumentsText);
    } catch {
      return { valid: false, problem: "syntax", reason: "they are not valid JSON" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { valid: false, problem: "syntax", reason: "they are not a JSON object" };
    }
    const compiled = this.#schema(toolName);
    if (!compiled) return { valid: true };
    const result = validateAgainstSchema(compiled, value, this.#budget);
    return result.valid ? result : { valid: false, problem: "schema", reason: result.reason };
  }

  #schema(toolName: string): CompiledSchema | null {
    if (this.#compiled.has(toolName)) return this.#compiled.get(toolName) ?? null;
    const tool = this.#tools.get(toolName);
    let compiled: CompiledSchema | null = null;
    if (tool) {
      try {
        compiled = compileSchema(tool.parameters);
      } catch {
        // The request decoders reject such schemas with a 400; a tool built by other code that skips them is only
        // checked to be an object, as a schema that cannot be compiled cannot be enforced.
        compiled = null;
      }
    }
    this.#compiled.set(toolName, compiled);
    return compiled;
  }
}
