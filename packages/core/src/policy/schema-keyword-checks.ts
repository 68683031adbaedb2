import { format as knownFormats } from "@cfworker/json-schema";
import { compilePattern } from "./safe-pattern.js";

/** Where a subschema sits and whether it applies to the same instance as its parent (in place) or to a part of it. */
export interface Subschema {
  value: unknown;
  pointer: string;
  inPlace: boolean;
}

/** What one schema object's keywords say, checked for types; `problems` name the keyword's pointer. */
export interface KeywordReport {
  subschemas: Subschema[];
  problems: { pointer: string; message: string }[];
  /** How many regexes were compiled for this object (they are the costly part of compiling a schema). */
  patterns: number;
  /** Valid ECMA-262 patterns RE2 cannot run: left unenforced, except in strict schemas (see `assertUsableSchema`). */
  unenforced: { pointer: string; message: string }[];
  /**
   * Has `pattern`, `patternProperties`, a `format` the validator asserts, or `uniqueItems: true`: the validator would
   * run these with a backtracking `RegExp`, unbounded input or quadratic time, so toolshim evaluates them itself.
   */
  needsRewrite: boolean;
}

const TYPES = new Set(["null", "boolean", "object", "array", "number", "integer", "string"]);
const SINGLE = ["additionalItems", "unevaluatedItems", "contains", "additionalProperties", "unevaluatedProperties", "propertyNames", "not", "if", "then", "else"];
const IN_PLACE = new Set(["not", "if", "then", "else", "allOf", "anyOf", "oneOf", "dependentSchemas", "dependencies"]);
const ARRAYS = ["allOf", "anyOf", "oneOf", "prefixItems"];
const MAPS = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"];
const COUNTS = ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "minContains", "maxContains"];
const NUMBERS = ["minimum", "maximum"];
const BOUNDS = ["exclusiveMinimum", "exclusiveMaximum"];

/** A JSON pointer segment (RFC 6901). */
export function pointerSegment(key: string | number): string {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

export function isSchemaObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSchema(value: unknown): boolean {
  return typeof value === "boolean" || isSchemaObject(value);
}

/** Checks the keywords of one schema object that toolshim's validator evaluates; unknown keywords are left alone. */
export function checkKeywords(node: Record<string, unknown>, pointer: string): KeywordReport {
  const report: KeywordReport = { subschemas: [], problems: [], unenforced: [], patterns: 0, needsRewrite: false };
  const at = (keyword: string) => `${pointer}/${pointerSegment(keyword)}`;
  const fail = (keyword: string, message: string) => report.problems.push({ pointer: at(keyword), message: `'${keyword}' ${message}` });
  const sub = (value: unknown, where: string, keyword: string) => report.subschemas.push({ value, pointer: where, inPlace: IN_PLACE.has(keyword) });

  for (const keyword of SINGLE) {
    if (!(keyword in node)) continue;
    if (isSchema(node[keyword])) sub(node[keyword], at(keyword), keyword);
    else fail(keyword, "must be a schema (an object or true/false)");
  }
  if ("items" in node) checkItems(node.items, at("items"), fail, sub);
  for (const keyword of ARRAYS) {
    if (!(keyword in node)) continue;
    const value = node[keyword];
    if (!Array.isArray(value) || value.length === 0 || !value.every(isSchema)) fail(keyword, "must be a non-empty array of schemas");
    else value.forEach((item, i) => sub(item, `${at(keyword)}/${i}`, keyword));
  }
  for (const keyword of MAPS) {
    if (!(keyword in node)) continue;
    const value = node[keyword];
    if (!isSchemaObject(value)) {
      fail(keyword, "must be an object whose values are schemas");
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      const where = `${at(keyword)}/${pointerSegment(key)}`;
      if (!isSchema(item)) report.problems.push({ pointer: where, message: `'${keyword}' values must be schemas (objects or true/false)` });
      else sub(item, where, keyword);
      if (keyword === "patternProperties") checkPattern(key, where, report, "the 'patternProperties' key");
    }
  }
  checkScalars(node, fail);
  checkDependencies(node, at, fail, sub);
  if ("pattern" in node) {
    if (typeof node.pattern !== "string") fail("pattern", "must be a string");
    else checkPattern(node.pattern, at("pattern"), report, "'pattern'");
  }
  if ("patternProperties" in node) report.needsRewrite = true;
  if ("format" in node) {
    if (typeof node.format !== "string") fail("format", "must be a string");
    else if (Object.hasOwn(knownFormats, node.format)) report.needsRewrite = true;
  }
  if (node.uniqueItems === true) report.needsRewrite = true;
  if ("$ref" in node && typeof node.$ref !== "string") fail("$ref", "must be a string (a URI reference such as \"#/$defs/name\")");
  if ("$recursiveRef" in node) fail("$recursiveRef", "is not supported by toolshim; use '$ref' to a schema under '$defs'");
  return report;
}

function checkItems(value: unknown, where: string, fail: (k: string, m: string) => void, sub: (v: unknown, w: string, k: string) => void): void {
  if (isSchema(value)) sub(value, where, "items");
  else if (Array.isArray(value) && value.every(isSchema)) value.forEach((item, i) => sub(item, `${where}/${i}`, "items"));
  else fail("items", "must be a schema or an array of schemas");
}

function checkPattern(source: string, where: string, report: KeywordReport, label: string): void {
  report.needsRewrite = true;
  report.patterns++;
  const compiled = compilePattern(source);
  if (compiled.ok) return;
  (compiled.ecmaValid ? report.unenforced : report.problems).push({ pointer: where, message: `${label} ${JSON.stringify(truncate(source))} ${compiled.reason}` });
}

function checkScalars(node: Record<string, unknown>, fail: (keyword: string, message: string) => void): void {
  if ("type" in node) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    if (types.length === 0 || !types.every((type) => typeof type === "string" && TYPES.has(type))) {
      fail("type", `must be one of ${[...TYPES].join(", ")}, or a non-empty array of them`);
    }
  }
  for (const keyword of COUNTS) {
    const value = node[keyword];
    if (keyword in node && !(Number.isInteger(value) && (value as number) >= 0)) fail(keyword, "must be a non-negative integer");
  }
  for (const keyword of NUMBERS) {
    if (keyword in node && !Number.isFinite(node[keyword])) fail(keyword, "must be a number");
  }
  for (const keyword of BOUNDS) {
    if (keyword in node && !Number.isFinite(node[keyword]) && typeof node[keyword] !== "boolean") fail(keyword, "must be a number");
  }
  if ("multipleOf" in node && !(Number.isFinite(node.multipleOf) && (node.multipleOf as number) > 0)) fail("multipleOf", "must be a number greater than 0");
  if ("uniqueItems" in node && typeof node.uniqueItems !== "boolean") fail("uniqueItems", "must be true or false");
  if ("required" in node && !isStringArray(node.required)) fail("required", "must be an array of property names (strings)");
  if ("enum" in node && !Array.isArray(node.enum)) fail("enum", "must be an array of allowed values");
  if ("dependentRequired" in node) {
    const value = node.dependentRequired;
    if (!isSchemaObject(value) || !Object.values(value).every(isStringArray)) fail("dependentRequired", "must be an object whose values are arrays of property names");
  }
}

function checkDependencies(
  node: Record<string, unknown>,
  at: (keyword: string) => string,
  fail: (keyword: string, message: string) => void,
  sub: (value: unknown, where: string, keyword: string) => void,
): void {
  if (!("dependencies" in node)) return;
  const value = node.dependencies;
  if (!isSchemaObject(value)) {
    fail("dependencies", "must be an object whose values are schemas or arrays of property names");
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (isSchema(item)) sub(item, `${at("dependencies")}/${pointerSegment(key)}`, "dependencies");
    else if (!isStringArray(item)) fail("dependencies", "values must be schemas or arrays of property names");
  }
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
