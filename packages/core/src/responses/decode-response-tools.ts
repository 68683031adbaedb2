import type { ToolDefinition } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { SchemaBudget } from "../policy/schema-compiler.js";
import { assertUsableSchema } from "../policy/tool-schema-check.js";
import { parseAt } from "./parse-at.js";
import type { ResponseCustomTool, ResponseFunctionTool, ResponseTool } from "./response-types.js";
import { customToolSchema, functionToolSchema, namespaceToolSchema } from "./responses-request-schema.js";

export interface DecodedResponseTools {
  tools: ToolDefinition[];
  /** What the Response echoes: the emulated tools as sent. */
  wireTools: ResponseTool[];
  /** The types of the hosted tools left out, in request order. */
  ignoredTools: string[];
}

/**
 * The name the model sees for a tool inside a `namespace` tool, and the canonical name of its calls. Function names
 * cannot hold a dot at OpenAI, and namespace names may not here, so this is unambiguous; a flat tool that happens to
 * be named the same is refused as a duplicate.
 */
export function qualifiedName(namespace: string | null | undefined, name: string): string {
  return namespace ? `${namespace}.${name}` : name;
}

/**
 * `tools` as canonical tools: function tools as they are, custom (freeform) tools as raw-input tools, the members of
 * `namespace` tools flattened under `namespace.name`. Hosted tools (`web_search`, `file_search`, …) run on OpenAI's
 * servers and cannot be emulated: "ignore" (the default) leaves them out and lists them, "reject" answers 400.
 */
export function decodeResponseTools(raw: unknown[], hosted: "reject" | "ignore"): DecodedResponseTools {
  const decoded: DecodedResponseTools = { tools: [], wireTools: [], ignoredTools: [] };
  const declaredAt = new Map<string, string>();
  const budget = new SchemaBudget();
  const add = (tool: ToolDefinition, param: string) => {
    const earlier = declaredAt.get(tool.name);
    if (earlier !== undefined) {
      throw new InvalidRequestError(
        `'${param}' repeats the tool name ${JSON.stringify(tool.name)} already declared at '${earlier}'; give every tool a unique name.`,
        param,
      );
    }
    declaredAt.set(tool.name, param);
    decoded.tools.push(tool);
  };
  for (const [i, value] of raw.entries()) {
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type === "namespace") {
      const namespace = parseAt(namespaceToolSchema, value, ["tools", i]);
      const members: Array<ResponseFunctionTool | ResponseCustomTool> = [];
      for (const [j, member] of namespace.tools.entries()) {
        const memberType = typeof member === "object" && member !== null ? (member as { type?: unknown }).type : undefined;
        const path = ["tools", i, "tools", j];
        if (memberType !== "function" && memberType !== "custom") {
          throw new InvalidRequestError(
            `'tools[${i}].tools[${j}].type' is ${JSON.stringify(memberType ?? null)}: a namespace holds function and custom tools only.`,
            `tools[${i}].tools[${j}].type`,
          );
        }
        const { tool, wire } = memberType === "function" ? functionTool(member, path, budget) : customTool(member, path);
        tool.name = qualifiedName(namespace.name, tool.name);
        if (namespace.description?.trim()) tool.description = joinDescriptions(namespace.description, tool.description);
        add(tool, `tools[${i}].tools[${j}].name`);
        members.push(wire);
      }
      decoded.wireTools.push({ type: "namespace", name: namespace.name, description: namespace.description ?? "", tools: members });
      continue;
    }
    if (type === "function" || type === "custom") {
      const { tool, wire } = type === "function" ? functionTool(value, ["tools", i], budget) : customTool(value, ["tools", i]);
      add(tool, `tools[${i}].name`);
      decoded.wireTools.push(wire);
      continue;
    }
    if (typeof type === "string" && hosted === "ignore") {
      decoded.ignoredTools.push(type);
      continue;
    }
    throw new InvalidRequestError(
      `'tools[${i}].type' is ${type === undefined ? "missing" : JSON.stringify(type)}: toolshim emulates function, custom and ` +
        "namespace tools; hosted tools such as web_search run on OpenAI's servers and cannot be emulated " +
        "(the server setting responses.unsupportedTools: ignore leaves them out).",
      `tools[${i}].type`,
    );
  }
  return decoded;
}

function functionTool(value: unknown, path: (string | number)[], budget: SchemaBudget): { tool: ToolDefinition; wire: ResponseFunctionTool } {
  if (typeof (value as { function?: unknown }).function === "object" && (value as { name?: unknown }).name === undefined) {
    const param = `${pathText(path)}.name`;
    throw new InvalidRequestError(
      `'${param}' is required: Responses tools are flat ({"type": "function", "name": "…", "parameters": {…}}), ` +
        "not nested under 'function' as in Chat Completions.",
      param,
      "missing_required_parameter",
    );
  }
  const parsed = parseAt(functionToolSchema, value, path);
  if (parsed.parameters !== undefined && parsed.parameters !== null) {
    const param = `${pathText(path)}.parameters`;
    assertUsableSchema(parsed.parameters, { kind: "function", name: parsed.name, param, strict: parsed.strict === true, style: "openai" }, budget);
  }
  const tool: ToolDefinition = {
    name: parsed.name,
    parameters: parsed.parameters ?? { type: "object", properties: {} },
    strict: parsed.strict === true,
  };
  if (parsed.description) tool.description = parsed.description;
  const wire: ResponseFunctionTool = {
    type: "function",
    name: parsed.name,
    description: parsed.description ?? null,
    parameters: parsed.parameters ?? null,
    strict: parsed.strict === true,
  };
  return { tool, wire };
}

function customTool(value: unknown, path: (string | number)[]): { tool: ToolDefinition; wire: ResponseCustomTool } {
  const parsed = parseAt(customToolSchema, value, path);
  const format = parsed.format ?? { type: "text" as const };
  const tool: ToolDefinition = {
    name: parsed.name,
    parameters: { type: "object", properties: {} },
    // A grammar is checked on the complete input, so such calls are held until then (as strict function calls are).
    strict: format.type === "grammar",
    custom: { format },
  };
  if (parsed.description) tool.description = parsed.description;
  const wire: ResponseCustomTool = { type: "custom", name: parsed.name, format };
  if (parsed.description) wire.description = parsed.description;
  return { tool, wire };
}

function joinDescriptions(namespace: string, member: string | undefined): string {
  return member?.trim() ? `${member.trim()}\n(Part of ${namespace.trim()})` : namespace.trim();
}

function pathText(path: (string | number)[]): string {
  return path.map((part, k) => (typeof part === "number" ? `[${part}]` : k === 0 ? part : `.${part}`)).join("");
}
