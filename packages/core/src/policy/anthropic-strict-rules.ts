import type { StrictRules, StrictTotals } from "./strict-schema-rules.js";

/**
 * Anthropic's rules for strict tools (`tools[].strict: true`) and JSON outputs (`output_config.format`), from
 * platform.claude.com/docs/en/build-with-claude/structured-outputs ("JSON Schema limitations") and what
 * `@anthropic-ai/sdk`'s own schema transform keeps (lib/transform-json-schema): every object sets
 * `additionalProperties: false`, but properties may be optional; no numeric bounds, no string lengths, `minItems` only
 * 0 or 1, no `maxItems`; enums and consts of primitives only; the listed formats; simple patterns (no backreferences,
 * lookaround or word boundaries); no recursive schemas. Across one request's strict schemas: at most 24 optional
 * properties and 16 properties with a union type (`anyOf` or a type list).
 */
const ALLOWED = new Set([
  "type", "properties", "required", "additionalProperties", "items", "anyOf", "allOf", "enum", "const", "$ref", "$defs",
  "definitions", "description", "title", "default", "format", "pattern", "minItems", "$schema", "$id", "$comment",
]);
const FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"]);
/** Anthropic's grammar compiler says why in the description instead: the SDK moves these there. */
const MOVE_TO_DESCRIPTION = new Set([
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "maxItems",
  "minProperties", "maxProperties",
]);
export const MAX_STRICT_TOOLS = 20;
const MAX_OPTIONAL = 24;
const MAX_UNIONS = 16;

export const anthropicStrictRules: StrictRules = {
  allowed: ALLOWED,
  formats: FORMATS,
  allRequired: false,
  walksAllOf: true,
  recursion: false,
  maxObjectDepth: Number.POSITIVE_INFINITY,
  maxProperties: Number.POSITIVE_INFINITY,
  maxEnumValues: Number.POSITIVE_INFINITY,
  maxOptional: MAX_OPTIONAL,
  extraProblem,
};

function extraProblem(node: Record<string, unknown>, totals: StrictTotals): string | undefined {
  const unsupported = Object.keys(node).find((key) => MOVE_TO_DESCRIPTION.has(key));
  if (unsupported) return `'${unsupported}' is not supported in strict schemas; state the constraint in 'description' instead.`;
  if ("minItems" in node && node.minItems !== 0 && node.minItems !== 1) return "'minItems' may only be 0 or 1 in strict schemas.";
  if (Array.isArray(node.enum) && !node.enum.every(isPrimitive)) return "'enum' values must be strings, numbers, booleans or null.";
  if ("const" in node && !isPrimitive(node.const)) return "'const' must be a string, number, boolean or null.";
  if (typeof node.pattern === "string") {
    const construct = unsupportedRegexConstruct(node.pattern);
    if (construct) return `'pattern' uses ${construct}, which strict schemas do not support.`;
  }
  if (Array.isArray(node.anyOf) || Array.isArray(node.type)) {
    totals.unions += 1;
    if (totals.unions > MAX_UNIONS) return `the request's strict schemas have more than ${MAX_UNIONS} parameters with union types (anyOf or a list of types).`;
  }
  return undefined;
}

function isPrimitive(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/** A word boundary, backreference or lookaround outside a character class, or null. */
function unsupportedRegexConstruct(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === "\\") {
      const next = pattern[++i] ?? "";
      if (inClass) continue;
      if (next === "b" || next === "B") return "a word boundary (\\b)";
      if (/[1-9k]/.test(next)) return "a backreference";
    } else if (char === "[") {
      inClass = true;
    } else if (char === "]") {
      inClass = false;
    } else if (!inClass && char === "(" && /^\?<?[=!]/.test(pattern.slice(i + 1, i + 4))) {
      return "a lookaround";
    }
  }
  return null;
}
