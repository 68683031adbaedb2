import { type Schema, validate } from "@cfworker/json-schema";
import { MAX_JSON_DEPTH, valueExceedsDepth } from "./json-depth.js";
import type { CompiledSchema } from "./schema-compiler.js";
import { type MatchMeter, REWRITE_MARK, rewriteRegexes } from "./schema-regex-rewrite.js";

/** What one validation may spend before it gives up and reports the arguments as unverifiable. */
export interface ValidationBudget {
  /** `$ref` resolutions: the only way validation work can grow faster than schema size × instance size. */
  maxRefSteps: number;
  /** Characters fed to regexes and format checks (a string is tested once per distinct regex). */
  maxMatchCharacters: number;
  /** Wall-clock milliseconds, checked between steps. */
  maxMilliseconds: number;
}

export const DEFAULT_VALIDATION_BUDGET: ValidationBudget = { maxRefSteps: 20_000, maxMatchCharacters: 500_000, maxMilliseconds: 250 };

export type SchemaCheck = { valid: true } | { valid: false; reason: string; budgetExceeded?: true };

/** How many schema errors a message lists; the rest only make it longer. */
const MAX_REPORTED_ERRORS = 3;

class BudgetExceeded extends Error {}

class Meter implements MatchMeter {
  readonly #budget: ValidationBudget;
  readonly #started = Date.now();
  #steps = 0;
  #characters = 0;

  constructor(budget: ValidationBudget) {
    this.#budget = budget;
  }

  match(characters: number): void {
    this.#characters += characters;
    if (this.#characters > this.#budget.maxMatchCharacters) {
      throw new BudgetExceeded(`checking them against the schema's patterns and formats needs more than ${this.#budget.maxMatchCharacters} characters of matching`);
    }
    this.#clock();
  }

  step(): void {
    if (++this.#steps > this.#budget.maxRefSteps) throw new BudgetExceeded(`checking them follows more than ${this.#budget.maxRefSteps} '$ref's`);
    if (this.#steps % 256 === 0) this.#clock();
  }

  #clock(): void {
    if (Date.now() - this.#started > this.#budget.maxMilliseconds) throw new BudgetExceeded(`checking them took more than ${this.#budget.maxMilliseconds} ms`);
  }
}

/**
 * Validates an instance against a compiled schema within a budget. Never throws: a schema error the compiler could not
 * see, a stack overflow or a spent budget is reported as a failed check saying why.
 */
export function validateAgainstSchema(compiled: CompiledSchema, instance: unknown, budget: ValidationBudget = DEFAULT_VALIDATION_BUDGET): SchemaCheck {
  const meter = new Meter(budget);
  if (valueExceedsDepth(instance, MAX_JSON_DEPTH)) return { valid: false, reason: `they nest deeper than ${MAX_JSON_DEPTH} levels` };
  try {
    let schema = compiled.schema;
    let lookup = compiled.lookup;
    if (compiled.needsRewrite) {
      const rewritten = rewriteRegexes(compiled.schema, instance, meter);
      schema = rewritten.schema;
      lookup = repoint(compiled.lookup, rewritten.copies);
    }
    const metered = new Proxy(lookup, {
      get(target, key) {
        meter.step();
        return Reflect.get(target, key) as unknown;
      },
    });
    const result = validate(instance, schema, compiled.draft, metered, false);
    if (result.valid) return { valid: true };
    return { valid: false, reason: describeErrors(result.errors, schema, lookup) };
  } catch (error) {
    if (error instanceof BudgetExceeded) return { valid: false, reason: `they could not be checked: ${error.message}`, budgetExceeded: true };
    if (error instanceof RangeError) return { valid: false, reason: "they could not be checked: the schema recursed too deeply" };
    const detail = String((error as Error).message).split("\n")[0]?.slice(0, 200) ?? "";
    return { valid: false, reason: `they could not be checked against the schema (${detail})` };
  }
}

/** The compiled `$ref` lookup with each schema replaced by its rewritten copy (cheaper than dereferencing the copy). */
function repoint(lookup: Record<string, Schema | boolean>, copies: Map<object, object>): Record<string, Schema | boolean> {
  const result: Record<string, Schema | boolean> = Object.create(null) as Record<string, Schema | boolean>;
  for (const [uri, schema] of Object.entries(lookup)) {
    result[uri] = typeof schema === "object" ? ((copies.get(schema) as Schema | undefined) ?? schema) : schema;
  }
  return result;
}

interface ValidatorError {
  instanceLocation: string;
  error: string;
  keyword: string;
  keywordLocation: string;
}

function describeErrors(errors: readonly ValidatorError[], schema: Schema | boolean, lookup: Record<string, Schema | boolean>): string {
  // The validator reports each failing combinator level; the leaf errors are the ones that say what to change.
  const parents = ["properties", "allOf", "anyOf", "oneOf", "if", "items", "$ref", "false"];
  const leaves = errors.filter((error) => !parents.includes(error.keyword));
  const shown = (leaves.length > 0 ? leaves : errors).slice(0, MAX_REPORTED_ERRORS);
  const text = shown.map((error) => `${error.instanceLocation.replace(/^#/, "") || "/"}: ${message(error, schema, lookup)}`).join("; ");
  return `they do not match the tool's schema (${text})`;
}

/** An error inside a subschema that stands for a `pattern` or `format` is reported as that pattern or format. */
function message(error: ValidatorError, schema: Schema | boolean, lookup: Record<string, Schema | boolean>): string {
  const segments = error.keywordLocation.replace(/^#\/?/, "").split("/");
  let node: unknown = schema;
  for (const segment of segments) {
    if (typeof node !== "object" || node === null) break;
    const record = node as Record<string, unknown>;
    if (typeof record.$comment === "string" && record.$comment.startsWith(REWRITE_MARK)) return record.$comment.slice(REWRITE_MARK.length);
    node = segment === "$ref" ? lookup[refUri(record)] : record[decodeSegment(segment)];
  }
  return error.error.length > 300 ? `${error.error.slice(0, 300)}…` : error.error;
}

function refUri(record: Record<string, unknown>): string {
  const absolute = (record as { __absolute_ref__?: unknown }).__absolute_ref__;
  return typeof absolute === "string" ? absolute : String(record.$ref);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURI(segment).replace(/%23/g, "#").replace(/~1/g, "/").replace(/~0/g, "~");
  } catch {
    return segment;
  }
}
