import { dereference, type Schema, type SchemaDraft } from "@cfworker/json-schema";
import { valueExceedsDepth } from "./json-depth.js";
import { checkKeywords, isSchemaObject } from "./schema-keyword-checks.js";

/** How deep a tool schema may nest as JSON (each schema level is usually two: `properties` → name → schema). */
export const MAX_SCHEMA_DEPTH = 100;
/** How many schema objects one schema may hold; validation work grows with it. */
export const MAX_SCHEMA_NODES = 10_000;

/**
 * What compiling the schemas of one request may cost: a request can declare any number of tools, and compiling a
 * regex is the costly part (about 30 µs each). Schemas compiled before (the same JSON text) cost nothing.
 */
export class SchemaBudget {
  static readonly MAX_PATTERNS = 1_000;
  static readonly MAX_SUBSCHEMAS = 20_000;
  patterns = 0;
  subschemas = 0;
}

/** A schema toolshim cannot enforce; `pointer` is the JSON pointer (`#/properties/a/pattern`) of what to fix. */
export class SchemaError extends Error {
  readonly pointer: string;

  constructor(pointer: string, message: string) {
    super(message);
    this.name = "SchemaError";
    this.pointer = pointer;
  }
}

/** A schema checked once, ready to validate with `validateAgainstSchema`. */
export interface CompiledSchema {
  readonly schema: Schema | boolean;
  readonly draft: SchemaDraft;
  readonly lookup: Record<string, Schema | boolean>;
  /** Regexes, formats and `uniqueItems` are evaluated outside the validator (see schema-regex-rewrite.ts) for each instance. */
  readonly needsRewrite: boolean;
  /**
   * Patterns that are valid ECMA-262 but that RE2 cannot run (backreferences, lookaround, repeat counts over 1000):
   * they are not enforced (they match everything), and a strict schema may not have any.
   */
  readonly unenforcedPatterns: readonly { pointer: string; message: string }[];
}

interface Edge {
  target: object;
  pointer: string;
}

const cache = new WeakMap<object, CompiledSchema>();
/**
 * Clients resend the same tool schemas with every request (as new objects): compiled schemas are also kept by their
 * JSON text, for a bounded number of not-too-large schemas.
 */
const byText = new Map<string, CompiledSchema>();
const BY_TEXT_ENTRIES = 128;
const BY_TEXT_MAX_LENGTH = 64 * 1024;

/**
 * Checks a schema as a whole before any call is validated against it: every keyword the validator evaluates has the
 * right type, every regex compiles on RE2, every `$ref` resolves inside the document, and no chain of `$ref`/`allOf`/…
 * comes back to where it started without descending into the instance (validation would never end). Throws
 * `SchemaError` naming the first problem. Results are cached per schema object and by JSON text.
 */
export function compileSchema(schema: unknown, budget: SchemaBudget = new SchemaBudget()): CompiledSchema {
  if (typeof schema === "boolean") return { schema, draft: "2020-12", lookup: dereference(schema), needsRewrite: false, unenforcedPatterns: [] };
  if (!isSchemaObject(schema)) throw new SchemaError("#", "must be a JSON Schema object");
  const hit = cache.get(schema);
  if (hit) return hit;
  if (valueExceedsDepth(schema, MAX_SCHEMA_DEPTH)) throw new SchemaError("#", `nests deeper than ${MAX_SCHEMA_DEPTH} levels`);
  const text = JSON.stringify(schema);
  const known = byText.get(text);
  if (known) {
    cache.set(schema, known);
    return known;
  }
  const compiled = compileUncached(schema, budget);
  cache.set(schema, compiled);
  if (text.length <= BY_TEXT_MAX_LENGTH) {
    if (byText.size >= BY_TEXT_ENTRIES) byText.delete(byText.keys().next().value as string);
    byText.set(text, compiled);
  }
  return compiled;
}

function compileUncached(schema: Record<string, unknown>, budget: SchemaBudget): CompiledSchema {
  let lookup: Record<string, Schema | boolean>;
  try {
    lookup = dereference(schema as Schema);
  } catch (error) {
    throw new SchemaError("#", `has identifiers ('$id', '$anchor') that cannot be resolved (${(error as Error).message.split("\n")[0]})`);
  }
  const walk = walkSchema(schema, lookup, budget);
  findEndlessLoop(walk.edges, walk.pointers);
  return { schema: schema as Schema, draft: draftOf(schema), lookup, needsRewrite: walk.needsRewrite, unenforcedPatterns: walk.unenforced };
}

export function draftOf(schema: Record<string, unknown>): SchemaDraft {
  const declared = typeof schema.$schema === "string" ? schema.$schema : "";
  if (declared.includes("draft-04")) return "4";
  if (declared.includes("draft-07") || declared.includes("draft-06")) return "7";
  if (declared.includes("2019-09")) return "2019-09";
  return "2020-12";
}

interface Walk {
  edges: Map<object, Edge[]>;
  pointers: Map<object, string>;
  needsRewrite: boolean;
  unenforced: { pointer: string; message: string }[];
}

/** Every schema reachable from the root through keywords and `$ref`s, checked; an explicit stack, no recursion. */
function walkSchema(root: Record<string, unknown>, lookup: Record<string, Schema | boolean>, budget: SchemaBudget): Walk {
  const walk: Walk = { edges: new Map(), pointers: new Map([[root, "#"]]), needsRewrite: false, unenforced: [] };
  const stack: { node: Record<string, unknown>; pointer: string }[] = [{ node: root, pointer: "#" }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, pointer } = entry;
    if (walk.pointers.size > MAX_SCHEMA_NODES) throw new SchemaError("#", `has more than ${MAX_SCHEMA_NODES} subschemas`);
    const report = checkKeywords(node, pointer);
    budget.subschemas++;
    budget.patterns += report.patterns;
    if (budget.patterns > SchemaBudget.MAX_PATTERNS || budget.subschemas > SchemaBudget.MAX_SUBSCHEMAS) {
      throw new SchemaError(
        pointer,
        `brings the request's schemas to more than ${SchemaBudget.MAX_PATTERNS} patterns or ${SchemaBudget.MAX_SUBSCHEMAS} subschemas in total, more than toolshim compiles for one request`,
      );
    }
    const problem = report.problems[0];
    if (problem) throw new SchemaError(problem.pointer, problem.message);
    if (report.needsRewrite) walk.needsRewrite = true;
    walk.unenforced.push(...report.unenforced);
    const edges: Edge[] = [];
    const visit = (child: unknown, childPointer: string, inPlace: boolean) => {
      if (!isSchemaObject(child)) return;
      if (inPlace) edges.push({ target: child, pointer: childPointer });
      if (walk.pointers.has(child)) return;
      walk.pointers.set(child, childPointer);
      stack.push({ node: child, pointer: childPointer });
    };
    for (const sub of report.subschemas) visit(sub.value, sub.pointer, sub.inPlace);
    if (typeof node.$ref === "string") visit(resolveRef(node, lookup, pointer), `${pointer}/$ref`, true);
    walk.edges.set(node, edges);
  }
  return walk;
}

function resolveRef(node: Record<string, unknown>, lookup: Record<string, Schema | boolean>, pointer: string): Schema | boolean {
  const absolute = (node as { __absolute_ref__?: unknown }).__absolute_ref__;
  const target = lookup[typeof absolute === "string" ? absolute : (node.$ref as string)];
  if (target === undefined) {
    throw new SchemaError(
      `${pointer}/$ref`,
      `'$ref' ${JSON.stringify(node.$ref)} does not resolve to a schema in this document (toolshim fetches no remote ` +
        "schemas); point it at a schema under '$defs' in the same schema",
    );
  }
  return target;
}

/** A cycle of in-place edges (`$ref`, `allOf`, `not`, …) never consumes the instance: validating it recurses forever. */
function findEndlessLoop(edges: Map<object, Edge[]>, pointers: Map<object, string>): void {
  const state = new Map<object, "open" | "done">();
  for (const start of edges.keys()) {
    if (state.has(start)) continue;
    const stack: { node: object; next: number }[] = [{ node: start, next: 0 }];
    state.set(start, "open");
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { node: object; next: number };
      const out = edges.get(frame.node) ?? [];
      const edge = out[frame.next++];
      if (edge === undefined) {
        state.set(frame.node, "done");
        stack.pop();
        continue;
      }
      const seen = state.get(edge.target);
      if (seen === "open") {
        throw new SchemaError(
          edge.pointer,
          `leads back to ${pointers.get(edge.target) ?? "#"} without descending into the arguments, so validation would never end; ` +
            "a recursive schema must recurse through 'properties' or 'items'",
        );
      }
      if (seen === undefined) {
        state.set(edge.target, "open");
        stack.push({ node: edge.target, next: 0 });
      }
    }
  }
}
