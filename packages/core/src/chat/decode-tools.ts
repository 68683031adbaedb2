import type { ToolChoice, ToolDefinition } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { SchemaBudget } from "../policy/schema-compiler.js";
import { assertUsableSchema } from "../policy/tool-schema-check.js";
import type { ChatCompletionRequestBody } from "./chat-completion-request-schema.js";

export interface DecodedTools {
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  legacyFunctions: boolean;
}

type FunctionDefinition = NonNullable<ChatCompletionRequestBody["functions"]>[number];
type CustomDefinition = Extract<NonNullable<ChatCompletionRequestBody["tools"]>[number], { type: "custom" }>["custom"];
type Declared = { definition: FunctionDefinition; param: string } | { custom: CustomDefinition; param: string };

/**
 * `tools` / `tool_choice` / `parallel_tool_calls`, or the legacy `functions` / `function_call`, as canonical tools.
 * Following OpenAI, the choice defaults to "auto" with tools and "none" without; a choice sent without tools (or with
 * `tools: []`, which pi-ai sends when history has calls but no tool is active) is ignored rather than rejected.
 */
export function decodeTools(body: ChatCompletionRequestBody): DecodedTools {
  const tools = body.tools ?? [];
  const functions = body.functions ?? [];
  if (tools.length > 0 && functions.length > 0) {
    throw new InvalidRequestError(
      "'functions' cannot be combined with 'tools': send your functions as 'tools' (the legacy 'functions' field is deprecated).",
      "functions",
    );
  }
  const legacyFunctions = functions.length > 0;
  const declared: Declared[] = legacyFunctions
    ? functions.map((definition, i) => ({ definition, param: `functions[${i}].name` }))
    : tools.map((tool, i) =>
        tool.type === "custom" ? { custom: tool.custom, param: `tools[${i}].custom.name` } : { definition: tool.function, param: `tools[${i}].function.name` },
      );
  const definitions = toDefinitions(declared);
  if (definitions.length === 0) {
    return { tools: [], toolChoice: { type: "none" }, parallelToolCalls: body.parallel_tool_calls ?? true, legacyFunctions: false };
  }
  const names = definitions.map((tool) => tool.name);
  return {
    tools: definitions,
    toolChoice: legacyFunctions ? legacyChoice(body.function_call, names) : toolChoice(body.tool_choice, names),
    // A legacy `function_call` answer carries exactly one call.
    parallelToolCalls: legacyFunctions ? false : (body.parallel_tool_calls ?? true),
    legacyFunctions,
  };
}

function toDefinitions(declared: Declared[]): ToolDefinition[] {
  const firstParam = new Map<string, string>();
  const budget = new SchemaBudget();
  return declared.map((entry) => {
    const { param } = entry;
    const name = "custom" in entry ? entry.custom.name : entry.definition.name;
    const earlier = firstParam.get(name);
    if (earlier !== undefined) {
      throw new InvalidRequestError(
        `'${param}' repeats the tool name ${JSON.stringify(name)} already declared at '${earlier}'; give every tool a unique name.`,
        param,
      );
    }
    firstParam.set(name, param);
    if ("custom" in entry) return customDefinition(entry.custom);
    const { definition } = entry;
    if (definition.parameters !== undefined && definition.parameters !== null) {
      const schemaParam = param.replace(/\.name$/, ".parameters");
      assertUsableSchema(definition.parameters, { kind: "function", name: definition.name, param: schemaParam, strict: definition.strict === true, style: "openai" }, budget);
    }
    const tool: ToolDefinition = {
      name: definition.name,
      parameters: definition.parameters ?? { type: "object", properties: {} },
      strict: definition.strict === true,
    };
    if (definition.description) tool.description = definition.description;
    return tool;
  });
}

/** A grammar is checked on the complete input, so such calls are held until then (as strict function calls are). */
function customDefinition(custom: CustomDefinition): ToolDefinition {
  const format = custom.format;
  const tool: ToolDefinition = {
    name: custom.name,
    parameters: { type: "object", properties: {} },
    strict: format?.type === "grammar",
    custom: { format: format?.type === "grammar" ? { type: "grammar", ...format.grammar } : { type: "text" } },
  };
  if (custom.description) tool.description = custom.description;
  return tool;
}

function toolChoice(choice: ChatCompletionRequestBody["tool_choice"], names: string[]): ToolChoice {
  if (choice === undefined || choice === null) return { type: "auto" };
  if (typeof choice === "string") return { type: choice };
  if (choice.type === "custom") return { type: "function", name: requireDeclared(choice.custom.name, names, "tool_choice.custom.name") };
  if (choice.type === "function") {
    if (choice.function) return { type: "function", name: requireDeclared(choice.function.name, names, "tool_choice.function.name") };
    if (choice.name !== undefined) return { type: "function", name: requireDeclared(choice.name, names, "tool_choice.name") };
    throw new InvalidRequestError(
      `'tool_choice.function' is missing: the choice names no function; send {"type": "function", "function": {"name": "…"}} (or the flat {"type": "function", "name": "…"}).`,
      "tool_choice.function",
    );
  }
  // The Responses API's flat form carries mode and tools at the top; the Chat form nests them under allowed_tools.
  const nested = choice.allowed_tools !== undefined;
  const { mode, tools } = choice.allowed_tools ?? { mode: choice.mode, tools: choice.tools };
  if (mode === undefined || tools === undefined) {
    const param = mode === undefined ? "tool_choice.allowed_tools.mode" : "tool_choice.allowed_tools.tools";
    throw new InvalidRequestError(
      `'${param}' is missing: "allowed_tools" needs a mode and tools; send {"type": "allowed_tools", "allowed_tools": {"mode": "auto" | "required", "tools": […]}} (or the flat {"type": "allowed_tools", "mode": …, "tools": […]}).`,
      param,
    );
  }
  const prefix = nested ? "tool_choice.allowed_tools.tools" : "tool_choice.tools";
  const allowed = tools.map((tool, i) =>
    "function" in tool
      ? requireDeclared(tool.function.name, names, `${prefix}[${i}].function.name`)
      : requireDeclared(tool.name, names, `${prefix}[${i}].name`),
  );
  return { type: "allowed", mode, names: [...new Set(allowed)] };
}

function legacyChoice(choice: ChatCompletionRequestBody["function_call"], names: string[]): ToolChoice {
  if (choice === undefined || choice === null) return { type: "auto" };
  if (typeof choice === "string") return { type: choice };
  return { type: "function", name: requireDeclared(choice.name, names, "function_call.name") };
}

function requireDeclared(name: string, names: string[], param: string): string {
  if (names.includes(name)) return name;
  throw new InvalidRequestError(
    `'${param}' names the tool ${JSON.stringify(name)}, which is not declared; name one of the declared tools: ${names.map((n) => JSON.stringify(n)).join(", ")}.`,
    param,
  );
}
