import type { JsonSchema } from "@toolshim/core";
import type { EmulatedPrompt, PromptResult, PromptTool } from "./read-emulated-prompt.js";

export interface DemoReply {
  text: string;
  call?: { name: string; arguments: Record<string, unknown> };
}

const DISCLAIMER = "(I am toolshim's built-in demo upstream, not a language model.)";

/**
 * The demo's whole "intelligence", in three honest rules: with tools and a user turn, call the best-matching tool;
 * with tool results, report them; otherwise explain what the demo is.
 */
export function composeReply(prompt: EmulatedPrompt): DemoReply {
  if (prompt.results.length > 0) return { text: summarise(prompt.results) };
  if (prompt.tools.length > 0 && prompt.lastRole === "user") {
    const tool = pickTool(prompt.tools, prompt.userText);
    return {
      text: `Let me call ${tool.name} for that.`,
      call: { name: tool.name, arguments: argumentsFor(tool.parameters, prompt.userText) as Record<string, unknown> },
    };
  }
  const echo = prompt.userText ? ` You said: "${clip(prompt.userText, 120)}".` : "";
  return {
    text:
      `Hello! ${DISCLAIMER}${echo} Send a request that declares tools and I will answer with a real tool call to the ` +
      "tool that best matches your message; send the tool's result back and I will report it. " +
      "To talk to an actual model, give toolshim a config file that points at one.",
  };
}

function summarise(results: PromptResult[]): string {
  const lines = results.map((result) => {
    const status = result.isError ? " (it reported an error)" : "";
    return `- ${result.name || "a tool"}${status}: ${clip(compact(result.content), 300)}`;
  });
  return `Here is what the tool${results.length > 1 ? "s" : ""} returned:\n${lines.join("\n")}\n${DISCLAIMER}`;
}

const STOP_WORDS = new Set(
  "a an and are as at be by can could do for from get give how i in is it me my of on or please show tell the this to up what whats when where which who will with would you your".split(" "),
);

function words(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word));
}

/** The declared tool whose name (weighted) and description share the most words with the user's message. */
export function pickTool(tools: PromptTool[], userText: string): PromptTool {
  const said = new Set(words(userText).flatMap(stems));
  const [first] = tools;
  if (!first) throw new Error("pickTool needs at least one tool");
  let best = first;
  let bestScore = -1;
  for (const tool of tools) {
    const score =
      3 * words(tool.name).flatMap(stems).filter((w) => said.has(w)).length +
      words(tool.description).flatMap(stems).filter((w) => said.has(w)).length;
    if (score > bestScore) [best, bestScore] = [tool, score];
  }
  return best;
}

/** "weather", "cities" → also "city": enough stemming to match a message against tool names. */
function stems(word: string): string[] {
  const out = [word];
  if (word.endsWith("ies")) out.push(`${word.slice(0, -3)}y`);
  else if (word.endsWith("s") && word.length > 3) out.push(word.slice(0, -1));
  return out;
}

/**
 * Arguments that satisfy the schema: every required property (and nothing else), strings taken from the user's
 * message where the property's name says what it wants (a city, a path, a query), schema defaults and enums honoured.
 */
export function argumentsFor(schema: JsonSchema, userText: string, name = ""): unknown {
  if ("const" in schema) return schema.const;
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum.find((value) => typeof value === "string" && userText.toLowerCase().includes(value.toLowerCase())) ?? schema.enum[0];
  }
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  const [variant] = Array.isArray(variants) ? variants : [];
  if (variant) return argumentsFor(variant, userText, name);
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== "null") as string | undefined) : (schema.type as string | undefined);
  switch (type ?? (schema.properties ? "object" : "string")) {
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(
        required.map((key) => [key, argumentsFor(properties[key] ?? {}, userText, key)]),
      );
    }
    case "array": {
      const minItems = typeof schema.minItems === "number" ? schema.minItems : 1;
      const item = (schema.items ?? { type: "string" }) as JsonSchema;
      return Array.from({ length: Math.max(1, minItems) }, () => argumentsFor(item, userText, name));
    }
    case "integer":
    case "number": {
      const number = Number(/-?\d+(\.\d+)?/.exec(userText)?.[0] ?? schema.minimum ?? 1);
      return type === "integer" ? Math.round(number) : number;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return stringFor(schema, userText, name);
  }
}

function stringFor(schema: JsonSchema, userText: string, name: string): string {
  const key = name.toLowerCase();
  const text = userText.trim() || "hello";
  let value: string;
  if (schema.format === "date" || /date|day/.test(key)) value = new Date().toISOString().slice(0, 10);
  else if (schema.format === "date-time" || /time/.test(key)) value = new Date().toISOString();
  else if (schema.format === "email" || /email|^(to|from|cc|bcc)$|recipient|sender/.test(key)) value = /\S+@\S+\.\w+/.exec(text)?.[0] ?? "someone@example.com";
  else if (schema.format === "uri" || /url|uri|link/.test(key)) value = /https?:\/\/\S+/.exec(text)?.[0] ?? "https://example.com";
  else if (/path|file|dir|folder/.test(key)) value = /(?:\.{0,2}\/|~\/)?[\w.-]+(?:\/[\w.-]+)+|[\w-]+\.\w{1,5}\b/.exec(text)?.[0] ?? ".";
  else if (/city|location|place|country|town|region|where|address/.test(key)) value = placeIn(text) ?? clip(text, 60);
  else value = clip(text.replace(/[?!.]+$/, ""), 200);
  const min = typeof schema.minLength === "number" ? schema.minLength : 0;
  const max = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  return value.padEnd(min, ".").slice(0, max);
}

/** "weather in San Francisco today?" → "San Francisco": the capitalised words after a place preposition. */
function placeIn(text: string): string | undefined {
  return /\b(?:in|at|for|near|from|to)\s+((?:\p{Lu}[\p{L}'-]*)(?:\s+\p{Lu}[\p{L}'-]*)*)/u.exec(text)?.[1];
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function compact(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text.replace(/\s+/g, " ").trim();
  }
}
