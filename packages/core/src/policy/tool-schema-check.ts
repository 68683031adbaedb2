import { InvalidRequestError } from "../errors.js";
import { type CompiledSchema, compileSchema, type SchemaBudget, SchemaError } from "./schema-compiler.js";
import { anthropicStrictRules } from "./anthropic-strict-rules.js";
import { pointerSegment } from "./schema-keyword-checks.js";
import { formatStrictContext, openaiStrictRules, type StrictProblem, type StrictTotals, strictSchemaProblem } from "./strict-schema-rules.js";

/** Whose schema is checked and how its API names things in errors. */
export interface SchemaOwner {
  /** `function` for tools, `response_format` for structured output. */
  kind: "function" | "response_format";
  name: string;
  /** The wire field holding the schema, in the API's own notation (`tools[0].function.parameters`, `tools.0.input_schema`). */
  param: string;
  strict: boolean;
  /** Anthropic words errors as `tools.0.input_schema: …`; the OpenAI APIs as `Invalid schema for function 'x': …`. */
  style: "openai" | "anthropic";
  /** Counts shared by the request's strict schemas (Anthropic limits optional and union-typed properties per request). */
  strictTotals?: StrictTotals;
}

/**
 * Compiles a tool's (or structured output's) schema when the request is decoded, so that no schema can fail later
 * while a call is being validated or streamed: anything toolshim cannot enforce is a 400 here naming the tool and the
 * JSON pointer of the problem; with `strict`, the API's own Structured Outputs rules apply too (OpenAI's or
 * Anthropic's, by `style`). Pass one `SchemaBudget` (and one `strictTotals`) for all the schemas of a request.
 */
export function assertUsableSchema(schema: unknown, owner: SchemaOwner, budget?: SchemaBudget): void {
  if (owner.strict) {
    const rules = owner.style === "anthropic" ? anthropicStrictRules : openaiStrictRules;
    const problem = strictSchemaProblem(schema, rules, owner.strictTotals);
    if (problem) throw schemaRequestError(owner, strictDetail(problem, owner.style));
  }
  let compiled: CompiledSchema;
  try {
    compiled = compileSchema(schema, budget);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    throw schemaRequestError(owner, `at ${error.pointer}: ${error.message}.`);
  }
  // Strict promises every keyword is enforced; elsewhere such a pattern is left unenforced rather than refused, as
  // clients (MCP hosts) cannot change the schemas they pass on.
  const unenforced = owner.strict ? compiled.unenforcedPatterns[0] : undefined;
  if (unenforced) throw schemaRequestError(owner, `at ${unenforced.pointer}: ${unenforced.message}; a strict schema needs patterns toolshim can enforce.`);
}

/** OpenAI prints where as `In context=(…)` (nothing for a root that is not an object); Anthropic's style uses pointers. */
function strictDetail(problem: StrictProblem, style: SchemaOwner["style"]): string {
  if (style === "anthropic") return `at ${["#", ...problem.context.map(pointerSegment)].join("/")}: ${problem.message}`;
  return problem.message.startsWith("schema must") ? problem.message : `In context=${formatStrictContext(problem.context)}, ${problem.message}`;
}

function schemaRequestError(owner: SchemaOwner, detail: string): InvalidRequestError {
  if (owner.style === "anthropic") {
    const whose = owner.kind === "function" ? `JSON schema is invalid for tool ${JSON.stringify(owner.name)}` : "Invalid schema for the output format";
    return new InvalidRequestError(`${owner.param}: ${whose} ${detail}`, owner.param);
  }
  const code = owner.kind === "function" ? "invalid_function_parameters" : "invalid_value";
  return new InvalidRequestError(`Invalid schema for ${owner.kind} '${owner.name}': ${detail}`, owner.param, code);
}
