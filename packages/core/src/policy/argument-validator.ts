import { Validator, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import type { ToolDefinition } from "../canonical.js";

/** `syntax`: not a JSON object at all, so no client could use it; `schema`: JSON that breaks the tool's schema. */
export type ArgumentCheck = { valid: true } | { valid: false; problem: "syntax" | "schema"; reason: string };

/** How many schema errors a message lists; the rest only make it longer. */
const MAX_REPORTED_ERRORS = 3;

/** Checks call arguments against each tool's JSON Schema; validators are compiled once per tool, on first use. */
export class ArgumentValidator {
  readonly #tools: Map<string, ToolDefinition>;
  readonly #validators = new Map<string, Validator | null>();

  constructor(tools: readonly ToolDefinition[]) {
    this.#tools = new Map(tools.map((tool) => [tool.name, tool]));
  }

  check(toolName: string, argumentsText: string): ArgumentCheck {
    let value: unknown;
    try {
      value = JSON.parse(argumentsText);
    } catch {
      return { valid: false, problem: "syntax", reason: "they are not valid JSON" };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { valid: false, problem: "syntax", reason: "they are not a JSON object" };
    }
    const validator = this.#validator(toolName);
    if (!validator) return { valid: true };
    const result = validator.validate(value);
    if (result.valid) return { valid: true };
    return { valid: false, problem: "schema", reason: describeErrors(result.errors) };
  }

  #validator(toolName: string): Validator | null {
    if (this.#validators.has(toolName)) return this.#validators.get(toolName) ?? null;
    const tool = this.#tools.get(toolName);
    let validator: Validator | null = null;
    if (tool) {
      try {
        validator = new Validator(tool.parameters as Schema, draftOf(tool.parameters), false);
      } catch {
        // A schema the validator cannot compile cannot be enforced; the call is then only checked to be an object.
        validator = null;
      }
    }
    this.#validators.set(toolName, validator);
    return validator;
  }
}

function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (declared.includes("draft-04")) return "4";
  if (declared.includes("draft-07") || declared.includes("draft-06")) return "7";
  if (declared.includes("2019-09")) return "2019-09";
  return "2020-12";
}

function describeErrors(errors: readonly { instanceLocation: string; error: string; keyword: string }[]): string {
  // The validator reports each failing combinator level; the leaf errors are the ones that say what to change.
  const leaves = errors.filter((error) => !["properties", "allOf", "anyOf", "oneOf", "items", "$ref", "false"].includes(error.keyword));
  const shown = (leaves.length > 0 ? leaves : errors).slice(0, MAX_REPORTED_ERRORS);
  const text = shown.map((error) => `${error.instanceLocation.replace(/^#/, "") || "/"}: ${error.error}`).join("; ");
  return `they do not match the tool's schema (${text})`;
}
