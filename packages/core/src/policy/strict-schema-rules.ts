import { isSchemaObject } from "./schema-keyword-checks.js";

/**
 * OpenAI's Structured Outputs rules for `strict: true` schemas (platform.openai.com/docs/guides/structured-outputs,
 * "Supported schemas"): the root is an object; every object sets `additionalProperties: false` and lists every
 * property in `required`; only the supported keywords appear; at most 10 levels of object nesting, 5000 properties
 * and 1000 enum values. A schema that breaks them gets the 400 OpenAI gives, worded as OpenAI words it.
 */

const ALLOWED = new Set([
  "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum", "const", "$ref", "$defs",
  "definitions", "description", "title", "$schema", "$id", "$comment", "pattern", "format", "multipleOf", "maximum",
  "exclusiveMaximum", "minimum", "exclusiveMinimum", "minItems", "maxItems",
]);
const FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]);
const MAX_OBJECT_DEPTH = 10;
const MAX_PROPERTIES = 5000;
const MAX_ENUM_VALUES = 1000;

export interface StrictProblem {
  /** OpenAI's `context=(…)`: the keys from the root to the schema at fault. */
  context: (string | number)[];
  message: string;
}

/** The first way `schema` breaks OpenAI's strict rules, or null when it follows them. */
export function strictSchemaProblem(schema: unknown): StrictProblem | null {
  if (!isSchemaObject(schema) || schema.type !== "object") {
    const type = isSchemaObject(schema) && schema.type !== undefined ? JSON.stringify(schema.type) : '"None"';
    return { context: [], message: `schema must be a JSON Schema of 'type: "object"', got 'type: ${type}'.` };
  }
  const totals = { properties: 0, enumValues: 0 };
  const stack: { node: unknown; context: (string | number)[]; depth: number }[] = [{ node: schema, context: [], depth: 1 }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node, context, depth } = entry;
    if (!isSchemaObject(node)) continue;
    const problem = nodeProblem(node, depth, totals);
    if (problem) return { context, message: problem };
    const isObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object"));
    const childDepth = isObject ? depth + 1 : depth;
    const push = (child: unknown, ...keys: (string | number)[]) => stack.push({ node: child, context: [...context, ...keys], depth: childDepth });
    for (const [name, child] of Object.entries(isSchemaObject(node.properties) ? node.properties : {}).reverse()) push(child, "properties", name);
    if (node.items !== undefined) push(node.items, "items");
    if (Array.isArray(node.anyOf)) node.anyOf.forEach((child, i) => push(child, "anyOf", i));
    for (const key of ["$defs", "definitions"]) {
      const defs = node[key];
      if (isSchemaObject(defs)) for (const [name, child] of Object.entries(defs)) stack.push({ node: child, context: [...context, key, name], depth: 1 });
    }
  }
  return null;
}

function nodeProblem(node: Record<string, unknown>, depth: number, totals: { properties: number; enumValues: number }): string | undefined {
  for (const key of Object.keys(node)) {
    if (!ALLOWED.has(key)) return `'${key}' is not permitted.`;
  }
  if (typeof node.format === "string" && !FORMATS.has(node.format)) {
    return `'format' ${JSON.stringify(node.format)} is not permitted; use one of ${[...FORMATS].join(", ")}.`;
  }
  if (depth > MAX_OBJECT_DEPTH) return `the schema nests objects more than ${MAX_OBJECT_DEPTH} levels deep.`;
  if (Array.isArray(node.enum)) {
    totals.enumValues += node.enum.length;
    if (totals.enumValues > MAX_ENUM_VALUES) return `the schema has more than ${MAX_ENUM_VALUES} enum values in total.`;
  }
  const isObject = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object")) || "properties" in node;
  if (!isObject) return undefined;
  if (node.additionalProperties !== false) return "'additionalProperties' is required to be supplied and to be false.";
  const keys = Object.keys(isSchemaObject(node.properties) ? node.properties : {});
  totals.properties += keys.length;
  if (totals.properties > MAX_PROPERTIES) return `the schema has more than ${MAX_PROPERTIES} properties in total.`;
  const required = Array.isArray(node.required) ? node.required : [];
  const missing = keys.filter((key) => !required.includes(key));
  if (missing.length > 0 || (!Array.isArray(node.required) && keys.length > 0)) {
    const detail = missing.length > 0 ? ` Missing '${missing[0]}'.` : "";
    return `'required' is required to be supplied and to be an array including every key in properties.${detail}`;
  }
  const extra = required.find((key) => typeof key !== "string" || !keys.includes(key));
  if (extra !== undefined) return `'required' must be an array that includes every key in \`properties\`. Extra required key '${String(extra)}' supplied.`;
  return undefined;
}

/** `('properties', 'location')`, the way OpenAI prints a context (a Python tuple). */
export function formatStrictContext(context: (string | number)[]): string {
  const items = context.map((key) => (typeof key === "number" ? String(key) : `'${key}'`));
  return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
}
