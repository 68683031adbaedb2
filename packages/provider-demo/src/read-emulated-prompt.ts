import type { CanonicalMessage, Dialect, JsonSchema, RenderContext } from "@toolshim/core";

/** A tool as the demo recovers it from the rendered instructions. */
export interface PromptTool {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export interface PromptResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

/** What an emulate-mode upstream can know about a request: only what the rendered text says. */
export interface EmulatedPrompt {
  /** The request's marker nonce, or undefined when the instructions offer no tools. */
  nonce?: string;
  tools: PromptTool[];
  /** Tool results carried by the last user turn (empty when it is a plain user message). */
  results: PromptResult[];
  /** The last user turn's own words, without result blocks. */
  userText: string;
  lastRole: "user" | "assistant" | "none";
}

// Placeholders rendered through the dialect to learn its templates. Letters only, so no escaping changes them.
const PROBE = { nonce: "zqxprobenonce", name: "zqxprobename", description: "zqxprobedescription", id: "zqxprobeid", content: "zqxprobecontent" };

/**
 * Reads a request the way a model would: from the text the engine rendered. The markup is never hard-coded here;
 * it is learned by rendering placeholder tools, calls and results through the dialect and seeing where the
 * placeholders land. So the demo keeps working when the dialect's wording changes.
 */
export function readEmulatedPrompt(messages: CanonicalMessage[], dialect: Dialect): EmulatedPrompt {
  const templates = learnTemplates(dialect);
  const texts = messages.map((message) => ({ role: message.role, text: textOf(message) }));
  const instructions = texts.filter((m) => m.role === "system").map((m) => m.text).join("\n\n") || (texts[0]?.text ?? "");

  const found = templates.nonce.exec(instructions);
  const nonce = found?.[1];
  // Tools are read only after the first marker, so headings in the client's own system text are not taken for tools.
  const tools = found ? readTools(instructions.slice(found.index), templates) : [];
  const last = texts.at(-1);
  const lastRole = last?.role === "user" || last?.role === "assistant" ? last.role : "none";
  let userText = lastRole === "user" ? (last?.text ?? "") : "";
  const results: PromptResult[] = [];
  if (nonce && lastRole === "user") {
    for (const pattern of templates.results(nonce)) {
      userText = userText.replace(pattern.regex, (_match, ...groups) => {
        const found = groups.at(-1) as Record<string, string>;
        results.push({ callId: found.id ?? "", name: found.name ?? "", content: found.content ?? "", isError: pattern.isError });
        return "";
      });
    }
  }
  return { nonce, tools, results, userText: userText.trim(), lastRole };
}

interface Templates {
  /** Finds the nonce in instructions (first capture group). */
  nonce: RegExp;
  /** Line prefix before a tool's name, line prefix before its parameters' JSON. */
  toolHeading: string;
  parametersPrefix: string;
  results(nonce: string): { regex: RegExp; isError: boolean }[];
}

let cached: { dialect: Dialect; templates: Templates } | undefined;

function learnTemplates(dialect: Dialect): Templates {
  if (cached?.dialect === dialect) return cached.templates;
  const context: RenderContext = { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: PROBE.nonce };

  const call = dialect.renderCall({ id: PROBE.id, name: PROBE.name, arguments: "{}" }, context);
  const at = call.indexOf(PROBE.nonce);
  const before = call.slice(0, at);
  const after = call.slice(at + PROBE.nonce.length, at + PROBE.nonce.length + 1);
  const nonce = new RegExp(`${escape(before)}([A-Za-z0-9_-]+)${escape(after)}`);

  const probeSchema = { type: "object", properties: {} };
  const toolsText = dialect.renderTools({
    ...context,
    tools: [{ name: PROBE.name, description: PROBE.description, parameters: probeSchema, strict: false }],
  });
  const lines = toolsText.split("\n");
  const headingLine = lines.find((line) => line.includes(PROBE.name) && !line.includes(PROBE.nonce)) ?? "";
  const schemaLine = lines.find((line) => line.includes(JSON.stringify(probeSchema))) ?? "";
  const toolHeading = headingLine.slice(0, headingLine.indexOf(PROBE.name));
  const parametersPrefix = schemaLine.slice(0, schemaLine.indexOf(JSON.stringify(probeSchema)));

  const resultPattern = (isError: boolean) => {
    const probe = dialect.renderResult({ callId: PROBE.id, name: PROBE.name, content: PROBE.content, isError }, { ...context });
    return (liveNonce: string) => {
      const source = escape(probe)
        .split(PROBE.nonce).join(escape(liveNonce))
        .replace(PROBE.id, "(?<id>[^\"]*?)")
        .replace(PROBE.name, "(?<name>[^\"]*?)")
        .replace(PROBE.content, "(?<content>[\\s\\S]*?)");
      return { regex: new RegExp(source, "g"), isError };
    };
  };
  const [failed, succeeded] = [resultPattern(true), resultPattern(false)];

  const templates: Templates = {
    nonce,
    toolHeading,
    parametersPrefix,
    results: (liveNonce) => [failed(liveNonce), succeeded(liveNonce)],
  };
  cached = { dialect, templates };
  return templates;
}

/** Tools are the blocks that start with the heading prefix; a block's parameters line is JSON, other lines describe it. */
function readTools(instructions: string, templates: Templates): PromptTool[] {
  if (!templates.toolHeading || !templates.parametersPrefix) return [];
  const tools: PromptTool[] = [];
  let current: PromptTool | undefined;
  for (const line of instructions.split("\n")) {
    if (line.startsWith(templates.toolHeading) && !line.startsWith(`${templates.toolHeading}#`)) {
      current = { name: line.slice(templates.toolHeading.length).trim(), description: "", parameters: { type: "object", properties: {} } };
      tools.push(current);
    } else if (current && line.startsWith(templates.parametersPrefix)) {
      try {
        current.parameters = JSON.parse(line.slice(templates.parametersPrefix.length)) as JsonSchema;
      } catch {
        // A schema the demo cannot read: it still calls the tool, with no arguments.
      }
    } else if (current && line.trim() && !line.startsWith("#")) {
      current.description = `${current.description} ${line.trim()}`.trim();
    }
  }
  return tools;
}

function textOf(message: CanonicalMessage): string {
  if (message.role === "assistant") return message.content ?? "";
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
