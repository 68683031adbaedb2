import { isSchemaObject } from "./schema-keyword-checks.js";

/**
 * The rules a `strict: true` schema must follow, which differ between OpenAI and Anthropic; one walk over the schema
 * applies either set. OpenAI's are below (platform.openai.com/docs/guides/structured-outputs, "Supported schemas"):
 * the root is an object; every object sets `additionalProperties: false` and lists every property in `required`; only
 * the supported keywords appear; at most 10 levels of object nesting, 5000 properties and 1000 enum values. Anthropic's
 * are in ./anthropic-strict-rules.ts. A schema that breaks them gets the 400 its API gives.
 */
export interface StrictRules {
  /** Keywords a strict schema may use; any other is refused. */
  allowed: ReadonlySet<string>;
  /** Values `format` may take. */
  formats: ReadonlySet<string>;
  /** Every key in `properties` must be in `required` (OpenAI); otherwise properties may be optional (Anthropic). */
  allRequired: boolean;
  /** `allOf` branches are walked (where `allOf` is allowed at all). */
  walksAllOf: boolean;
  /** Whether a `$ref` may lead back to a schema it is inside (Anthropic refuses recursive schemas). */
  recursion: boolean;
  maxObjectDepth: number;
  maxProperties: number;
  maxEnumValues: number;
  /** Properties not listed in `required`, across the request's strict schemas. */
  maxOptional: number;
  /** Keyword checks beyond the allowed list, for one schema object; `totals` are shared by a request's strict schemas. */
  extraProblem?(node: Record<string, unknown>, totals: StrictTotals): string | undefined;
}

/** Counters that span the strict schemas of one request (pass one object for all of them). */
export interface StrictTotals {
  properties: number;
  enumValues: number;
  optional: number;
  unions: number;
}

export function newStrictTotals(): StrictTotals {
  return { properties: 0, enumValues: 0, optional: 0, unions: 0 };
}

export const openaiStrictRules: StrictRules = {
  allowed: new Set([
    "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const", "$ref", "$defs",
    "definitions", "description", "title", "$schema", "$id", "$comment", "pattern", "format", "multipleOf", "maximum",
    "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems",
  ]),
  formats: new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]),
  allRequired: true,
  walksAllOf: false,
  recursion: true,
  maxObjectDepth: 10,
  maxProperties: 5000,
  maxEnumValues: 1000,
  maxOptional: Number.POSITIVE_INFINITY,
};

export interface StrictProblem {
  /** The keys from the root to the schema at fault (OpenAI prints them as `context=(…)`). */
  context: (string | number)[];
  message: string;
}

interface Entry {
  node: unknown;
  context: (string | number)[];
  depth: number;
  /** The `$defs` / `definitions` entry this node lies in ("" for the root's own tree), for finding recursion. */
  owner: string;
}

/**
 * The first way `schema` breaks the strict rules (OpenAI's by default), or null when it follows them. `totals` carries
 * request-wide counts from one schema to the next; without it each schema is counted on its own.
 */
export function strictSchemaProblem(schema: unknown, rules: StrictRules = openaiStrictRules, totals: StrictTotals = newStrictTotals()): StrictProblem | null {
  if (!isSchemaObject(schema) || schema.type !== "object") {
    const type = isSchemaObject(schema) && schema.type !== undefined ? JSON.stringify(schema.type) : '"None"';
    return { context: [], message: `schema must be a JSON Schema of 'type: "object"', got 'type: ${type}'.` };
  }
  const refs = new RefGraph();
  const stack: Entry[] = [{ node: schema, context: [], depth: 1, owner: "" }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, context, depth, owner } = entry;
    if (!isSchemaObject(node)) continue;
    const problem = nodeProblem(node, depth, rules, totals);
    if (problem) return { context, message: problem };
    if (typeof node.$ref === "string") refs.add(owner, node.$ref, [...context, "$ref"]);
    const isObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object"));
    const childDepth = isObject ? depth + 1 : depth;
    const push = (child: unknown, ...keys: (string | number)[]) => stack.push({ node: child, context: [...context, ...keys], depth: childDepth, owner });
    for (const [name, child] of Object.entries(isSchemaObject(node.properties) ? node.properties : {}).reverse()) push(child, "properties", name);
    if (node.items !== undefined) push(node.items, "items");
    if (Array.isArray(node.anyOf)) node.anyOf.forEach((child, i) => push(child, "anyOf", i));
    if (rules.walksAllOf && Array.isArray(node.allOf)) node.allOf.forEach((child, i) => push(child, "allOf", i));
    for (const key of ["$defs", "definitions"]) {
      const defs = node[key];
      if (!isSchemaObject(defs)) continue;
      for (const [name, child] of Object.entries(defs)) stack.push({ node: child, context: [...context, key, name], depth: 1, owner: `#/${key}/${name}` });
    }
  }
  if (!rules.recursion) {
    const loop = refs.findLoop();
    if (loop) return { context: loop, message: "recursive schemas are not supported: this '$ref' leads back to a schema it is inside." };
  }
  return null;
}

function nodeProblem(node: Record<string, unknown>, depth: number, rules: StrictRules, totals: StrictTotals): string | undefined {
  // First: it says what to do instead of a bare "not permitted".
  const extra = rules.extraProblem?.(node, totals);
  if (extra) return extra;
  for (const key of Object.keys(node)) {
    if (!rules.allowed.has(key)) return `'${key}' is not permitted.`;
  }
  if (typeof node.format === "string" && !rules.formats.has(node.format)) {
    return `'format' ${JSON.stringify(node.format)} is not permitted; use one of ${[...rules.formats].join(", ")}.`;
  }
  if (depth > rules.maxObjectDepth) return `the schema nests objects more than ${rules.maxObjectDepth} levels deep.`;
  if (Array.isArray(node.enum)) {
    totals.enumValues += node.enum.length;
    if (totals.enumValues > rules.maxEnumValues) return `the schema has more than ${rules.maxEnumValues} enum values in total.`;
  }
  const isObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object")) || "properties" in node;
  if (!isObject) return undefined;
  if (node.additionalProperties !== false) return "'additionalProperties' is required to be supplied and to be false.";
  const keys = Object.keys(isSchemaObject(node.properties) ? node.properties : {});
  totals.properties += keys.length;
  if (totals.properties > rules.maxProperties) return `the schema has more than ${rules.maxProperties} properties in total.`;
  const required = Array.isArray(node.required) ? node.required : [];
  // Sets, not includes(): a body of a few MB can hold 100,000 properties and as many required names.
  const requiredSet = new Set(required);
  const missing = keys.filter((key) => !requiredSet.has(key));
  totals.optional += missing.length;
  if (totals.optional > rules.maxOptional) {
    return `the request's strict schemas have more than ${rules.maxOptional} optional parameters in total; list more of them in 'required'.`;
  }
  if (rules.allRequired && (missing.length > 0 || (!Array.isArray(node.required) && keys.length > 0))) {
    const detail = missing.length > 0 ? ` Missing '${missing[0]}'.` : "";
    return `'required' is required to be supplied and to be an array including every key in properties.${detail}`;
  }
  const keySet = new Set(keys);
  const extraKey = required.find((key) => typeof key !== "string" || !keySet.has(key));
  if (extraKey !== undefined) return `'required' must be an array that includes every key in \`properties\`. Extra required key '${String(extraKey)}' supplied.`;
  return undefined;
}

/** Which `$defs` entries refer to which, to find a `$ref` that leads back to a schema it is inside. */
class RefGraph {
  readonly #edges = new Map<string, { target: string; context: (string | number)[] }[]>();

  add(owner: string, ref: string, context: (string | number)[]): void {
    // "#" is the root; "#/$defs/a/properties/b" lies inside "#/$defs/a".
    const target = ref === "#" ? "" : (/^#\/(?:\$defs|definitions)\/[^/]+/.exec(ref)?.[0] ?? null);
    if (target === null) return;
    const list = this.#edges.get(owner) ?? [];
    list.push({ target, context });
    this.#edges.set(owner, list);
  }

  /** The context of a `$ref` on a cycle, or null. Iterative: a chain of definitions may be as long as the body allows. */
  findLoop(): (string | number)[] | null {
    const state = new Map<string, "open" | "done">();
    for (const start of this.#edges.keys()) {
      if (state.has(start)) continue;
      state.set(start, "open");
      const path: { owner: string; next: number }[] = [{ owner: start, next: 0 }];
      while (path.length > 0) {
        const top = path[path.length - 1] as { owner: string; next: number };
        const edge = this.#edges.get(top.owner)?.[top.next++];
        if (edge === undefined) {
          state.set(top.owner, "done");
          path.pop();
          continue;
        }
        const seen = state.get(edge.target);
        if (seen === "open") return edge.context;
        if (seen === undefined) {
          state.set(edge.target, "open");
          path.push({ owner: edge.target, next: 0 });
        }
      }
    }
    return null;
  }
}

/** `('properties', 'location')`, the way OpenAI prints a context (a Python tuple). */
export function formatStrictContext(context: (string | number)[]): string {
  const items = context.map((key) => (typeof key === "number" ? String(key) : `'${key}'`));
  return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
}
