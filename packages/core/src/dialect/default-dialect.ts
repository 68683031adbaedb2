import type { CanonicalToolCall, ToolDefinition } from "../canonical.js";
import { createScanner } from "../parser/index.js";
import type { Dialect, RenderContext, ToolResultText } from "./dialect.js";

/**
 * toolshim's own dialect: one JSON object per call between `<call:NONCE>` markers (for custom tools, the name and the
 * raw input instead), results between `<result:NONCE …>` markers. The wording is short and literal because its
 * readers include small local models and web chats that skim long system prompts; every rule is one line and the call
 * syntax appears exactly as it must be written.
 */
export const defaultDialect: Dialect = {
  name: "toolshim",
  renderTools,
  renderCall,
  renderResult,
  createScanner,
};

function renderTools(context: RenderContext): string {
  const callable = callableTools(context);
  if (callable.length === 0) return "";
  const { nonce } = context;
  const open = `<call:${nonce}>`;
  const close = `</call:${nonce}>`;
  const example = placeholderName(context.tools);
  return [
    "# Tools",
    "",
    "You can call tools. To call a tool, write a call block in exactly this form:",
    "",
    `${open}{"name": "TOOL_NAME", "arguments": {ARGUMENTS}}${close}`,
    "",
    '- TOOL_NAME is the exact name of one tool under "Available tools".',
    "- ARGUMENTS is a JSON object matching that tool's parameter schema. It must be valid JSON: double quotes around keys and strings, newlines and quotes inside strings escaped as \\n and \\\", no comments, no trailing commas. Use {} when the tool takes no arguments.",
    `- Write the markers exactly as shown, including the code ${nonce}. Do not put call blocks inside code fences; nothing else counts as a call.`,
    "",
    `For example, a call to a tool named "${example}" (a made-up placeholder, not one of your tools) would be:`,
    `${open}{"name": "${example}", "arguments": {"text": "hello"}}${close}`,
    "",
    ...rawFormInstructions(callable, open, close),
    "## Rules",
    `- ${choiceRule(context)}`,
    ...parallelRule(context).map((rule) => `- ${rule}`),
    `- After your last call block, stop and end your reply. The results come back in the next message inside <result:${nonce} …> blocks.`,
    "- Never write a result block yourself, and never guess or invent what a tool would return.",
    "",
    "## Available tools",
    ...callable.flatMap(renderTool),
  ].join("\n");
}

/** Only the tools this reply may call are shown: a listed tool the model must not use is an invitation to use it. */
function callableTools({ tools, toolChoice }: RenderContext): ToolDefinition[] {
  switch (toolChoice.type) {
    case "none":
      return [];
    case "function":
      return tools.filter((tool) => tool.name === toolChoice.name);
    case "allowed":
      return tools.filter((tool) => toolChoice.names.includes(tool.name));
    default:
      return tools;
  }
}

function choiceRule({ toolChoice, parallelToolCalls }: RenderContext): string {
  const mustCall = toolChoice.type === "required" || (toolChoice.type === "allowed" && toolChoice.mode === "required");
  if (toolChoice.type === "function") {
    return `This reply must be exactly one call block calling "${toolChoice.name}", and nothing else.`;
  }
  if (mustCall) {
    return parallelToolCalls
      ? "This reply must contain at least one call block. Do not answer in plain text only."
      : "This reply must contain exactly one call block. Do not answer in plain text only.";
  }
  return "Call a tool when it helps you answer. Otherwise answer in plain text, without any call block.";
}

function parallelRule({ toolChoice, parallelToolCalls }: RenderContext): string[] {
  if (toolChoice.type === "function") return [];
  return parallelToolCalls
    ? ["When several calls do not depend on each other's results, write all their call blocks one after another in the same reply."]
    : ["Write at most one call block per reply. If you need more tools, call one, wait for its result, then call the next."];
}

/**
 * Custom tools take one raw string (a patch, a script), which would need heavy escaping inside JSON: the model writes
 * it verbatim between the markers after the tool's name. Only the closing marker, which carries the nonce, ends it.
 */
function rawFormInstructions(callable: ToolDefinition[], open: string, close: string): string[] {
  if (!callable.some((tool) => tool.custom)) return [];
  return [
    'Tools marked "Input: raw text" are called differently: write the tool name right after the opening marker, then a new line, then the input exactly as the tool should receive it (any characters and lines, no JSON, no escaping), then a new line and the closing marker:',
    "",
    `${open}TOOL_NAME`,
    "RAW INPUT",
    close,
    "",
  ];
}

function renderTool(tool: ToolDefinition): string[] {
  const lines = ["", `### ${tool.name}`];
  if (tool.description?.trim()) lines.push(tool.description.trim());
  if (!tool.custom) {
    lines.push(`Parameters (JSON Schema): ${JSON.stringify(tool.parameters)}`);
    return lines;
  }
  const { format } = tool.custom;
  if (format.type === "text") {
    lines.push("Input: raw text");
  } else {
    const kind = format.syntax === "regex" ? "match this regular expression" : "follow this Lark grammar";
    lines.push(`Input: raw text. It must ${kind}:`, "```", format.definition, "```");
  }
  return lines;
}

/** A name for the example call that no declared tool has, so the example is never mistaken for a real call. */
function placeholderName(tools: ToolDefinition[]): string {
  const names = new Set(tools.map((tool) => tool.name));
  let name = "example_tool";
  for (let i = 2; names.has(name); i++) name = `example_tool_${i}`;
  return name;
}

function renderCall(call: CanonicalToolCall, { nonce }: RenderContext): string {
  if (call.custom) return `<call:${nonce}>${call.name}\n${call.arguments}\n</call:${nonce}>`;
  return `<call:${nonce}>{"name": ${JSON.stringify(call.name)}, "arguments": ${compactArguments(call.arguments)}}</call:${nonce}>`;
}

/** History arguments replayed in the same compact form the instructions ask for; text that is not JSON stays as sent. */
function compactArguments(text: string): string {
  if (text.trim() === "") return "{}";
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function renderResult(result: ToolResultText, { nonce }: RenderContext): string {
  const error = result.isError ? ' error="true"' : "";
  return `<result:${nonce} id=${JSON.stringify(result.callId)} name=${JSON.stringify(result.name)}${error}>\n${result.content}\n</result:${nonce}>`;
}
