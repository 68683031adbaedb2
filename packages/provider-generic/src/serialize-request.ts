import type { CanonicalMessage, ContentPart, ResponseFormat, ToolChoice, ToolDefinition, UpstreamRequest } from "@toolshim/core";

export interface SerializeSettings {
  native: boolean;
  stream: boolean;
  /** False: fold system text into the first user turn (the engine normally did it already). */
  systemRole: boolean;
  developerRole: boolean;
}

type WireContent = string | Array<Record<string, unknown>>;

function wireContent(content: string | ContentPart[]): WireContent {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "text"
      ? { type: "text", text: part.text }
      : { type: "image_url", image_url: part.detail ? { url: part.url, detail: part.detail } : { url: part.url } },
  );
}

function wireMessage(message: CanonicalMessage, settings: SerializeSettings): Record<string, unknown> {
  switch (message.role) {
    case "system":
      return { role: message.developer && settings.developerRole ? "developer" : "system", content: message.content };
    case "user":
      return message.name === undefined
        ? { role: "user", content: wireContent(message.content) }
        : { role: "user", content: wireContent(message.content), name: message.name };
    case "assistant": {
      const wire: Record<string, unknown> = { role: "assistant", content: message.content };
      if (message.toolCalls?.length) {
        // vLLM rejects an empty string beside tool calls; null is what OpenAI itself sends.
        if (message.content === "") wire.content = null;
        wire.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: "function",
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      return wire;
    }
    case "tool":
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
  }
}

/**
 * Chat Completions tool messages take only text: images a tool returned follow its run of tool messages as one user
 * message (a user message between tool messages would break the call/result pairing).
 */
function wireMessages(messages: CanonicalMessage[], settings: SerializeSettings): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let images: ContentPart[] = [];
  for (const [i, message] of messages.entries()) {
    out.push(wireMessage(message, settings));
    if (message.role === "tool") images.push(...(message.parts ?? []).filter((part) => part.type === "image"));
    if (images.length > 0 && messages[i + 1]?.role !== "tool") {
      out.push({ role: "user", content: wireContent(images) });
      images = [];
    }
  }
  return out;
}

/** Moves system text into the first user turn, for chat templates without a system role. */
function foldSystem(messages: CanonicalMessage[]): CanonicalMessage[] {
  const system = messages.filter((m) => m.role === "system").map((m) => m.content);
  if (system.length === 0) return messages;
  const rest = messages.filter((m) => m.role !== "system");
  const preamble = system.join("\n\n");
  const first = rest.findIndex((m) => m.role === "user");
  if (first < 0) return [{ role: "user", content: preamble }, ...rest];
  const user = rest[first] as Extract<CanonicalMessage, { role: "user" }>;
  const content: string | ContentPart[] =
    typeof user.content === "string"
      ? `${preamble}\n\n${user.content}`
      : [{ type: "text", text: preamble }, ...user.content];
  return rest.map((m, i) => (i === first ? { ...user, content } : m));
}

function wireTool(tool: ToolDefinition) {
  const fn: Record<string, unknown> = { name: tool.name, parameters: tool.parameters };
  if (tool.description !== undefined) fn.description = tool.description;
  // Only sent when on: several compatible servers reject or mishandle an explicit `strict: false`.
  if (tool.strict) fn.strict = true;
  return { type: "function", function: fn };
}

/**
 * `allowed_tools` is rarely implemented by compatible servers, so it is expressed with what they all know: only the
 * allowed tools are sent, with `auto` or `required`.
 */
function wireTools(tools: ToolDefinition[], choice: ToolChoice | undefined) {
  if (choice?.type !== "allowed") return { tools: tools.map(wireTool), toolChoice: wireToolChoice(choice) };
  const allowed = new Set(choice.names);
  return { tools: tools.filter((t) => allowed.has(t.name)).map(wireTool), toolChoice: choice.mode };
}

function wireToolChoice(choice: ToolChoice | undefined): unknown {
  if (choice === undefined) return undefined;
  switch (choice.type) {
    case "function":
      return { type: "function", function: { name: choice.name } };
    case "allowed":
      return choice.mode;
    default:
      return choice.type;
  }
}

function wireResponseFormat(format: ResponseFormat): unknown {
  if (format.type !== "json_schema") return { type: format.type };
  const schema: Record<string, unknown> = { name: format.name };
  if (format.description !== undefined) schema.description = format.description;
  if (format.schema !== undefined) schema.schema = format.schema;
  if (format.strict !== undefined) schema.strict = format.strict;
  return { type: "json_schema", json_schema: schema };
}

/** The `/v1/chat/completions` body for an upstream request. */
export function serializeRequest(request: UpstreamRequest, settings: SerializeSettings): Record<string, unknown> {
  const messages = settings.systemRole ? request.messages : foldSystem(request.messages);
  const body: Record<string, unknown> = {
    model: request.model,
    messages: wireMessages(messages, settings),
    stream: settings.stream,
  };
  if (settings.stream) body.stream_options = { include_usage: true };

  const o = request.options;
  if (o.maxTokens !== undefined) body.max_tokens = o.maxTokens;
  if (o.temperature !== undefined) body.temperature = o.temperature;
  if (o.topP !== undefined) body.top_p = o.topP;
  if (o.stop?.length) body.stop = o.stop;
  if (o.seed !== undefined) body.seed = o.seed;
  if (o.presencePenalty !== undefined) body.presence_penalty = o.presencePenalty;
  if (o.frequencyPenalty !== undefined) body.frequency_penalty = o.frequencyPenalty;
  if (o.reasoningEffort !== undefined) body.reasoning_effort = o.reasoningEffort;

  if (settings.native) {
    // An empty tools array is rejected by OpenAI itself and by several compatible servers.
    if (request.tools?.length) {
      const { tools, toolChoice } = wireTools(request.tools, request.toolChoice);
      body.tools = tools;
      if (toolChoice !== undefined) body.tool_choice = toolChoice;
      if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
    }
    if (request.responseFormat && request.responseFormat.type !== "text") {
      body.response_format = wireResponseFormat(request.responseFormat);
    }
  }
  return body;
}
