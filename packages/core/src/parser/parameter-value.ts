import type { JsonSchema, ToolDefinition } from "../canonical.js";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH } from "../policy/json-depth.js";

/**
 * How a raw XML parameter value becomes JSON (Qwen3-Coder's reference rules, as vLLM and Ollama apply them): strings
 * stay raw text, numbers and booleans are converted, objects and arrays are parsed (with a Python-literal fallback),
 * `null` is null, and anything that does not convert stays a string. String parameters stream as they arrive, so for
 * them `null` stays the text "null"; a value that does not fit its type (a boolean written `yes`) stays a string for
 * the schema check to report, rather than becoming `false`. With `trim` (formats whose reference parsers trim) a
 * value that stays a string loses all surrounding whitespace.
 */
export function parameterSchema(tool: ToolDefinition | undefined, key: string): JsonSchema | undefined {
  const properties = tool?.parameters.properties;
  if (typeof properties !== "object" || properties === null) return undefined;
  const schema = (properties as Record<string, unknown>)[key];
  return typeof schema === "object" && schema !== null ? (schema as JsonSchema) : undefined;
}

/** Whether the value can be streamed as a string while it arrives (a parameter not in the schema is a string). */
export function isStringParameter(schema: JsonSchema | undefined): boolean {
  if (!schema) return true;
  const types = schemaTypes(schema);
  return types.length === 1 && types[0] === "string";
}

/**
 * The JSON text for the complete raw value of a parameter that is not a plain string. `json` marks a value the
 * markup itself says is JSON (DeepSeek V3.2's `string="false"`).
 */
export function convertParameter(raw: string, schema: JsonSchema | undefined, json = false, trim = false): string {
  const text = raw.trim();
  if (/^null$/i.test(text)) return "null";
  const types = json ? ["any"] : schema ? schemaTypes(schema) : ["string"];
  for (const type of orderTypes(types)) {
    const converted = convertAs(text, type);
    if (converted !== undefined) return converted;
  }
  return JSON.stringify(trim ? text : raw.replace(/^\n/, "").replace(/\r?\n[ \t]*$/, ""));
}

function schemaTypes(schema: JsonSchema): string[] {
  const { type } = schema;
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((entry): entry is string => typeof entry === "string" && entry !== "null");
  const variants = [schema.anyOf, schema.oneOf].find(Array.isArray) as unknown[] | undefined;
  if (variants) {
    return variants.flatMap((variant) => (typeof variant === "object" && variant !== null ? schemaTypes(variant as JsonSchema) : []));
  }
  if (Array.isArray(schema.enum) && schema.enum.every((entry) => typeof entry === "string")) return ["string"];
  return ["any"];
}

/** Ollama's order for unions: the most specific reading first, string last. */
function orderTypes(types: string[]): string[] {
  const order = ["boolean", "integer", "number", "array", "object", "any", "string"];
  return [...new Set(types)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function convertAs(text: string, type: string): string | undefined {
  switch (type) {
    case "string":
      return undefined;
    case "integer":
      return /^-?\d+$/.test(text) ? String(Number.parseInt(text, 10)) : undefined;
    case "number": {
      if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
      const value = Number(text);
      return Number.isFinite(value) ? String(value) : undefined;
    }
    case "boolean":
      if (/^true$/i.test(text)) return "true";
      if (/^false$/i.test(text)) return "false";
      return undefined;
    case "object":
    case "array":
      return parseStructured(text, type);
    default:
      return parseJson(text);
  }
}

function parseStructured(text: string, type: "object" | "array"): string | undefined {
  for (const candidate of [text, fromPythonLiteral(text)]) {
    const value = parseValue(candidate);
    if (value === undefined) continue;
    if (type === "array" ? Array.isArray(value) : typeof value === "object" && value !== null && !Array.isArray(value)) {
      return JSON.stringify(value);
    }
  }
  return undefined;
}

function parseJson(text: string): string | undefined {
  const value = parseValue(text);
  return value === undefined ? undefined : JSON.stringify(value);
}

function parseValue(text: string): unknown {
  // Deeper than toolshim accepts anywhere: JSON.stringify below would overflow the stack on it.
  if (jsonTextExceedsDepth(text, MAX_JSON_DEPTH)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `{'a': True, 'b': None}` → `{"a": true, "b": null}`, for values written as Python literals. */
function fromPythonLiteral(text: string): string {
  return text.replace(/'((?:[^'\\]|\\.)*)'|\b(True|False|None)\b/g, (_, quoted: string | undefined, word: string | undefined) => {
    if (quoted !== undefined) return JSON.stringify(quoted.replace(/\\'/g, "'"));
    return word === "True" ? "true" : word === "False" ? "false" : "null";
  });
}
