import type {
  AssistantMessage,
  CanonicalMessage,
  CanonicalRequest,
  CanonicalToolCall,
  ContentPart,
  GenerationOptions,
  ImagePart,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
  ToolMessage,
} from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { MAX_STRICT_TOOLS } from "../policy/anthropic-strict-rules.js";
import { SchemaBudget } from "../policy/schema-compiler.js";
import { newStrictTotals, type StrictTotals } from "../policy/strict-schema-rules.js";
import { assertUsableSchema } from "../policy/tool-schema-check.js";
import { parseBlock, parseBody } from "./anthropic-invalid-request.js";
import {
  documentBlockSchema,
  imageBlockSchema,
  type MessagesRequestBody,
  messagesRequestSchema,
  textBlockSchema,
  thinkingBlockSchema,
  type ToolResultBlock,
  toolResultBlockSchema,
  toolSchema,
  toolUseBlockSchema,
} from "./messages-request-schema.js";

export interface DecodedMessagesRequest {
  request: CanonicalRequest;
  /** The client asked for extended thinking: reasoning is shown as `thinking` blocks (otherwise it is left out). */
  thinking: boolean;
}

export interface DecodeMessagesOptions {
  /** `count_tokens` bodies carry no `max_tokens`. */
  forCounting?: boolean;
}

/**
 * An Anthropic Messages body as a canonical request. Throws `InvalidRequestError` whose message names the field in
 * Anthropic's style (`messages.1.content.0.tool_use_id: …`) for anything the client must fix.
 */
export function decodeMessagesRequest(body: unknown, options: DecodeMessagesOptions = {}): DecodedMessagesRequest {
  const request = parseBody(messagesRequestSchema, body);
  if (!options.forCounting && (request.max_tokens === undefined || request.max_tokens === null)) {
    throw new InvalidRequestError("max_tokens: Field required; send the most tokens the answer may use, e.g. 1024.", "max_tokens", "missing_required_parameter");
  }
  const deferred = new Set<string>();
  const schemas: RequestSchemas = { budget: new SchemaBudget(), strictTotals: newStrictTotals() };
  const declared = decodeTools(request.tools ?? [], deferred, schemas);
  const messages: CanonicalMessage[] = [];
  const system = typeof request.system === "string" ? request.system : (request.system ?? []).map((block) => block.text).join("\n\n");
  if (system) messages.push({ role: "system", content: system });
  const conversation = decodeConversation(request.messages, new Set(declared.map((tool) => tool.name)));
  messages.push(...conversation.messages);
  // A deferred tool is not offered (so a call to it is no call) until a tool_reference has loaded it.
  const tools = declared.filter((tool) => !deferred.has(tool.name) || conversation.loaded.has(tool.name));

  const canonical: CanonicalRequest = {
    model: request.model,
    messages,
    tools,
    toolChoice: decodeToolChoice(request.tool_choice, tools, deferred),
    parallelToolCalls: !(request.tool_choice && "disable_parallel_tool_use" in request.tool_choice && request.tool_choice.disable_parallel_tool_use),
    options: generationOptions(request),
    stream: request.stream === true,
    includeUsage: true,
  };
  if (request.metadata?.user_id) canonical.user = request.metadata.user_id;
  const responseFormat = decodeOutputFormat(request, schemas);
  if (responseFormat) canonical.responseFormat = responseFormat;
  const thinking = request.thinking !== undefined && request.thinking !== null && request.thinking.type !== "disabled";
  return { request: canonical, thinking };
}

/** One request's schemas are compiled against one budget, and its strict ones counted together. */
interface RequestSchemas {
  budget: SchemaBudget;
  strictTotals: StrictTotals;
}

/**
 * JSON outputs as the canonical response format, always strict: Anthropic promises an answer matching the schema, so
 * the schema must follow its structured-output rules.
 */
function decodeOutputFormat(request: MessagesRequestBody, schemas: RequestSchemas): ResponseFormat | undefined {
  const current = request.output_config?.format;
  const beta = request.output_format;
  if (current && beta) {
    throw new InvalidRequestError(
      "output_format: send the format once, as output_config.format; output_format is its deprecated beta name.",
      "output_format",
    );
  }
  const format = current ?? beta;
  if (!format) return undefined;
  const param = current ? "output_config.format.schema" : "output_format.schema";
  assertUsableSchema(format.schema, { kind: "response_format", name: "output", param, strict: true, style: "anthropic", strictTotals: schemas.strictTotals }, schemas.budget);
  return { type: "json_schema", name: "output", schema: format.schema, strict: true };
}

/** The declared tools; the names of those marked `defer_loading: true` are added to `deferred`. */
function decodeTools(raw: unknown[], deferred: Set<string>, schemas: RequestSchemas): ToolDefinition[] {
  const seen = new Map<string, number>();
  let strictCount = 0;
  return raw.map((value, i) => {
    const type = typeof value === "object" && value !== null ? (value as { type?: unknown }).type : undefined;
    if (type !== undefined && type !== null && type !== "custom") {
      throw new InvalidRequestError(
        `tools.${i}.type: ${JSON.stringify(type)} is a server or built-in tool, which toolshim cannot run; declare client tools ` +
          'as {"name": "…", "description": "…", "input_schema": {…}} instead.',
        `tools.${i}.type`,
      );
    }
    const tool = parseBlock(toolSchema, value, ["tools", i]);
    const earlier = seen.get(tool.name);
    if (earlier !== undefined) {
      throw new InvalidRequestError(`tools.${i}.name: ${JSON.stringify(tool.name)} is already declared by tools.${earlier}; give every tool a unique name.`, `tools.${i}.name`);
    }
    seen.set(tool.name, i);
    const strict = tool.strict === true;
    if (strict && ++strictCount > MAX_STRICT_TOOLS) {
      throw new InvalidRequestError(
        `tools.${i}.strict: at most ${MAX_STRICT_TOOLS} tools of a request may set strict: true; drop strict from the tools that need it least.`,
        `tools.${i}.strict`,
      );
    }
    const owner = { kind: "function", name: tool.name, param: `tools.${i}.input_schema`, strict, style: "anthropic", strictTotals: schemas.strictTotals } as const;
    assertUsableSchema(tool.input_schema, owner, schemas.budget);
    if (tool.defer_loading) deferred.add(tool.name);
    const definition: ToolDefinition = { name: tool.name, parameters: tool.input_schema, strict };
    if (tool.description) definition.description = tool.description;
    return definition;
  });
}

function decodeToolChoice(choice: MessagesRequestBody["tool_choice"], tools: ToolDefinition[], deferred: Set<string>): ToolChoice {
  if (choice?.type === "tool" && deferred.has(choice.name) && !tools.some((tool) => tool.name === choice.name)) {
    throw new InvalidRequestError(
      `tool_choice.name: ${JSON.stringify(choice.name)} has defer_loading: true and no tool_reference in the conversation loads it; ` +
        "load it with a tool_reference first or declare it without defer_loading.",
      "tool_choice.name",
    );
  }
  if (tools.length === 0 || choice?.type === "none") return { type: "none" };
  if (!choice || choice.type === "auto") return { type: "auto" };
  if (choice.type === "any") return { type: "required" };
  if (!tools.some((tool) => tool.name === choice.name)) {
    throw new InvalidRequestError(
      `tool_choice.name: ${JSON.stringify(choice.name)} is not a declared tool; name one of ${tools.map((tool) => JSON.stringify(tool.name)).join(", ")}.`,
      "tool_choice.name",
    );
  }
  return { type: "function", name: choice.name };
}

function generationOptions(request: MessagesRequestBody): GenerationOptions {
  const options: GenerationOptions = {};
  if (request.max_tokens != null) options.maxTokens = request.max_tokens;
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.topP = request.top_p;
  const stop = (request.stop_sequences ?? []).filter((sequence) => sequence !== "");
  if (stop.length > 0) options.stop = stop;
  return options;
}

interface DecodedConversation {
  messages: CanonicalMessage[];
  /** Tools named by a `tool_reference` in a tool result: deferred tools the model may call from now on. */
  loaded: Set<string>;
}

/**
 * Anthropic turns as canonical messages. A user turn's `tool_result` blocks become tool messages (named after the
 * `tool_use` they answer, images kept in place as `parts`) ahead of the turn's own text and images, which follow as a
 * user message. A `system` turn stays where it is, as a system message.
 */
function decodeConversation(turns: MessagesRequestBody["messages"], declared: Set<string>): DecodedConversation {
  const messages: CanonicalMessage[] = [];
  const loaded = new Set<string>();
  const callNames = new Map<string, string>();
  for (const [i, turn] of turns.entries()) {
    if (turn.role === "assistant") {
      const message = assistantMessage(turn.content, i);
      for (const call of message.toolCalls ?? []) callNames.set(call.id, call.name);
      messages.push(message);
      continue;
    }
    if (turn.role === "system") {
      const content = systemText(turn.content, i);
      if (content !== "") messages.push({ role: "system", content });
      continue;
    }
    if (typeof turn.content === "string") {
      messages.push({ role: "user", content: turn.content });
      continue;
    }
    const parts: ContentPart[] = [];
    for (const [j, block] of turn.content.entries()) {
      const path = ["messages", i, "content", j];
      switch (blockType(block, path)) {
        case "text":
          parts.push({ type: "text", text: parseBlock(textBlockSchema, block, path).text });
          break;
        case "image":
          parts.push(imageOf(parseBlock(imageBlockSchema, block, path)));
          break;
        case "document": {
          const document = parseBlock(documentBlockSchema, block, path);
          parts.push({ type: "text", text: document.title ? `${document.title}\n\n${document.source.data}` : document.source.data });
          break;
        }
        case "tool_result":
          messages.push(toolMessage(parseBlock(toolResultBlockSchema, block, path), path, { callNames, declared, loaded }));
          break;
        default:
          throw unsupportedBlock(block, path, "'text', 'image', 'document' and 'tool_result'");
      }
    }
    const [only] = parts;
    if (parts.length === 1 && only?.type === "text") messages.push({ role: "user", content: only.text });
    else if (parts.length > 0) messages.push({ role: "user", content: parts });
  }
  return { messages, loaded };
}

/** A mid-conversation system turn: a string or text blocks (Claude Code sends both). */
function systemText(content: string | unknown[], i: number): string {
  if (typeof content === "string") return content;
  return content
    .map((block, j) => {
      const path = ["messages", i, "content", j];
      if (blockType(block, path) !== "text") throw unsupportedBlock(block, path, "only 'text'");
      return parseBlock(textBlockSchema, block, path).text;
    })
    .join("\n\n");
}

interface ToolResultScope {
  callNames: Map<string, string>;
  declared: Set<string>;
  loaded: Set<string>;
}

function toolMessage(result: ToolResultBlock, path: (string | number)[], scope: ToolResultScope): ToolMessage {
  const where = path.join(".");
  const name = scope.callNames.get(result.tool_use_id);
  if (name === undefined) {
    throw new InvalidRequestError(
      `${where}.tool_use_id: no tool_use block with id ${JSON.stringify(result.tool_use_id)} appears in an ` +
        "earlier assistant message; send the assistant message containing that tool_use block before its tool_result.",
      `${where}.tool_use_id`,
      "unknown_tool_use_id",
    );
  }
  const parts: ContentPart[] = typeof result.content === "string" ? [{ type: "text", text: result.content }] : [];
  for (const [k, part] of (Array.isArray(result.content) ? result.content : []).entries()) {
    if (part.type === "text") parts.push({ type: "text", text: part.text });
    else if (part.type === "image") parts.push(imageOf(part));
    else {
      if (!scope.declared.has(part.tool_name)) {
        throw new InvalidRequestError(
          `${where}.content.${k}.tool_name: ${JSON.stringify(part.tool_name)} is not in 'tools'; a tool_reference must name a declared tool.`,
          `${where}.content.${k}.tool_name`,
        );
      }
      scope.loaded.add(part.tool_name);
      parts.push({ type: "text", text: `Tool ${JSON.stringify(part.tool_name)} is loaded: it is now among your tools and can be called.` });
    }
  }
  const content = parts.map((part) => (part.type === "text" ? part.text : "")).filter((text) => text !== "").join("\n");
  const message: ToolMessage = { role: "tool", toolCallId: result.tool_use_id, name, content };
  if (parts.some((part) => part.type === "image")) message.parts = parts;
  if (result.is_error) message.isError = true;
  return message;
}

function assistantMessage(content: string | unknown[], i: number): AssistantMessage {
  if (typeof content === "string") return { role: "assistant", content };
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: CanonicalToolCall[] = [];
  for (const [j, block] of content.entries()) {
    const path = ["messages", i, "content", j];
    switch (blockType(block, path)) {
      case "text":
        text.push(parseBlock(textBlockSchema, block, path).text);
        break;
      case "tool_use": {
        const call = parseBlock(toolUseBlockSchema, block, path);
        toolCalls.push({ id: call.id, name: call.name, arguments: JSON.stringify(call.input) });
        break;
      }
      case "thinking":
        reasoning.push(parseBlock(thinkingBlockSchema, block, path).thinking);
        break;
      case "redacted_thinking":
        // Encrypted by Anthropic for Anthropic: nothing another model could read.
        break;
      default:
        throw unsupportedBlock(block, path, "'text', 'tool_use', 'thinking' and 'redacted_thinking'");
    }
  }
  const message: AssistantMessage = { role: "assistant", content: text.length > 0 ? text.join("") : null };
  if (toolCalls.length > 0) message.toolCalls = toolCalls;
  if (reasoning.length > 0) message.reasoning = reasoning.join("\n");
  return message;
}

function blockType(block: unknown, path: (string | number)[]): unknown {
  if (typeof block !== "object" || block === null || Array.isArray(block)) {
    const where = path.join(".");
    throw new InvalidRequestError(`${where}: must be a content block object, e.g. {"type": "text", "text": "…"}.`, where);
  }
  return (block as { type?: unknown }).type;
}

function unsupportedBlock(block: unknown, path: (string | number)[], accepted: string): InvalidRequestError {
  const where = `${path.join(".")}.type`;
  const type = (block as { type?: unknown }).type;
  return new InvalidRequestError(
    `${where}: ${type === undefined ? "is required" : `${JSON.stringify(type)} blocks are not accepted here`}; ` +
      `this role takes ${accepted} blocks.`,
    where,
  );
}

function imageOf(block: { source: { type: "base64"; media_type: string; data: string } | { type: "url"; url: string } }): ImagePart {
  const { source } = block;
  return { type: "image", url: source.type === "url" ? source.url : `data:${source.media_type};base64,${source.data}` };
}
