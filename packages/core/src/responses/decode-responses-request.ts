import type { CanonicalMessage, CanonicalRequest, GenerationOptions, ResponseFormat, ToolChoice, ToolDefinition } from "../canonical.js";
import { describeZodIssue, invalidRequestFromZod } from "../chat/invalid-request-from-zod.js";
import { InvalidRequestError } from "../errors.js";
import { assertUsableSchema } from "../policy/tool-schema-check.js";
import { type ConversationItem, itemsToMessages } from "./items-to-messages.js";
import { normalizeInputItems, type ResolveItem } from "./normalize-input-items.js";
import { decodeResponseTools } from "./decode-response-tools.js";
import type { ResponseEcho, ResponseItem, ResponseTextFormat, ResponseToolChoice } from "./response-types.js";
import { type ResponsesRequestBody, responsesRequestSchema } from "./responses-request-schema.js";

/** Where earlier responses come from. Both are optional: without them `item_reference` and `previous_response_id` get a 400. */
export interface ResponsesResolver {
  /** An item (of any stored response's input or output) by its id. */
  resolveItem?: ResolveItem;
  /**
   * The conversation ending with response `id`: the input and output items of it and of every response before it
   * (via their `previous_response_id`), oldest first; undefined when `id` is not stored.
   */
  resolveResponse?: (id: string) => Promise<ResponseItem[] | undefined>;
}

export interface DecodeResponsesOptions {
  /**
   * Hosted tools (`web_search`, `file_search`, `code_interpreter`, …), which run on OpenAI's servers and cannot be
   * emulated: "ignore" (default) leaves them out, so clients such as Codex that declare them on every request work;
   * "reject" answers 400 naming `tools[i].type`. Function, custom and namespace tools are always emulated.
   */
  unsupportedTools?: "reject" | "ignore";
}

export interface DecodedResponsesRequest {
  request: CanonicalRequest;
  /** The parameters the Response object echoes. */
  echo: ResponseEcho;
  /** This request's own input with references resolved: what a stored response keeps for later requests to chain on. */
  input: ResponseItem[];
  /** Absent `store` means true, as at OpenAI. */
  store: boolean;
  /** The types of the hosted tools left out under `unsupportedTools: "ignore"`, in request order. */
  ignoredTools: string[];
}

/**
 * A Responses request body as a canonical request. Throws `InvalidRequestError` (400, `param` in OpenAI's style) for
 * anything the client must fix; unknown fields are ignored.
 */
export async function decodeResponsesRequest(
  body: unknown,
  resolver: ResponsesResolver = {},
  options: DecodeResponsesOptions = {},
): Promise<DecodedResponsesRequest> {
  rejectUnsupported(body);
  const parsed = responsesRequestSchema.safeParse(body, { error: describeZodIssue });
  if (!parsed.success) throw invalidRequestFromZod(parsed.error);
  const request = parsed.data;

  const history = request.previous_response_id ? await previousItems(request.previous_response_id, resolver) : [];
  const input = await normalizeInputItems(request.input ?? [], resolver.resolveItem);
  const conversation: ConversationItem[] = [...history.map((item) => ({ item })), ...input];
  const messages: CanonicalMessage[] = itemsToMessages(conversation);
  if (!messages.some((message) => message.role !== "system")) {
    throw new InvalidRequestError("'input' is required: send the user's message as a string or as input items.", "input", "missing_required_parameter");
  }
  if (request.instructions) messages.unshift({ role: "system", content: request.instructions });

  const { tools, wireTools, ignoredTools } = decodeResponseTools(request.tools ?? [], options.unsupportedTools ?? "ignore");
  const toolChoice = decodeToolChoice(request.tool_choice, tools);
  const canonical: CanonicalRequest = {
    model: request.model,
    messages,
    tools,
    toolChoice,
    parallelToolCalls: request.parallel_tool_calls ?? true,
    options: generationOptions(request),
    stream: request.stream === true,
    // A Response always carries usage.
    includeUsage: true,
  };
  const format = request.text?.format;
  const responseFormat = decodeFormat(format);
  if (responseFormat) canonical.responseFormat = responseFormat;
  if (request.user) canonical.user = request.user;

  const store = request.store ?? true;
  return {
    request: canonical,
    input: input.map(({ item }) => item),
    store,
    ignoredTools,
    echo: {
      instructions: request.instructions ?? null,
      max_output_tokens: request.max_output_tokens ?? null,
      model: request.model,
      parallel_tool_calls: canonical.parallelToolCalls,
      previous_response_id: request.previous_response_id ?? null,
      reasoning: { effort: request.reasoning?.effort ?? null, summary: request.reasoning?.summary ?? null },
      store,
      temperature: request.temperature ?? 1,
      text: { format: echoFormat(format) },
      tool_choice: (request.tool_choice as ResponseToolChoice | null | undefined) ?? "auto",
      tools: wireTools,
      top_p: request.top_p ?? 1,
      truncation: request.truncation ?? "disabled",
      user: request.user ?? null,
      metadata: request.metadata ?? {},
    },
  };
}

/** Fields that would change the answer in ways toolshim cannot honour: refusing them beats silently ignoring them. */
function rejectUnsupported(body: unknown): void {
  if (typeof body !== "object" || body === null) return;
  const unsupported: Record<string, string> = {
    conversation: "toolshim does not implement the Conversations API; chain responses with 'previous_response_id' instead.",
    prompt: "toolshim has no stored prompt templates; send the prompt as 'instructions' and 'input'.",
  };
  for (const [field, why] of Object.entries(unsupported)) {
    const value = (body as Record<string, unknown>)[field];
    if (value !== undefined && value !== null) throw new InvalidRequestError(`'${field}' is not supported: ${why}`, field, "unsupported_parameter");
  }
}

async function previousItems(id: string, resolver: ResponsesResolver): Promise<ResponseItem[]> {
  const items = resolver.resolveResponse ? await resolver.resolveResponse(id) : undefined;
  if (items) return items;
  throw new InvalidRequestError(
    resolver.resolveResponse
      ? `Previous response with id ${JSON.stringify(id)} not found: it was never stored here, was created with store: false, ` +
          "or has expired; send the conversation as input items instead."
      : "'previous_response_id' needs stored responses, and this server keeps none; send the conversation as input items instead.",
    "previous_response_id",
    "previous_response_not_found",
  );
}

/** Following OpenAI, "auto" with tools and "none" without; a choice sent without tools is ignored rather than rejected. */
function decodeToolChoice(choice: ResponsesRequestBody["tool_choice"], tools: ToolDefinition[]): ToolChoice {
  if (tools.length === 0) return { type: "none" };
  if (choice === undefined || choice === null) return { type: "auto" };
  if (typeof choice === "string") return { type: choice };
  const names = tools.map((tool) => tool.name);
  if (choice.type !== "allowed_tools") {
    return { type: "function", name: requireDeclared(choice.name, names, "tool_choice.name") };
  }
  const allowed = choice.tools.map((tool, i) => requireDeclared(tool.name, names, `tool_choice.tools[${i}].name`));
  return { type: "allowed", mode: choice.mode, names: [...new Set(allowed)] };
}

function requireDeclared(name: string, names: string[], param: string): string {
  if (names.includes(name)) return name;
  throw new InvalidRequestError(
    `'${param}' names the tool ${JSON.stringify(name)}, which is not declared; name one of the declared tools: ${names.map((n) => JSON.stringify(n)).join(", ")}.`,
    param,
  );
}

function generationOptions(request: ResponsesRequestBody): GenerationOptions {
  const options: GenerationOptions = {};
  if (request.max_output_tokens != null) options.maxTokens = request.max_output_tokens;
  if (request.temperature != null) options.temperature = request.temperature;
  if (request.top_p != null) options.topP = request.top_p;
  if (request.reasoning?.effort) options.reasoningEffort = request.reasoning.effort;
  return options;
}

type WireFormat = NonNullable<NonNullable<ResponsesRequestBody["text"]>["format"]>;

function decodeFormat(format: WireFormat | null | undefined): ResponseFormat | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  assertUsableSchema(format.schema, { kind: "response_format", name: format.name || "response", param: "text.format.schema", strict: format.strict === true, style: "openai" });
  const decoded: ResponseFormat = { type: "json_schema", name: format.name || "response", schema: format.schema };
  if (format.description) decoded.description = format.description;
  if (typeof format.strict === "boolean") decoded.strict = format.strict;
  return decoded;
}

function echoFormat(format: WireFormat | null | undefined): ResponseTextFormat {
  if (!format || format.type !== "json_schema") return { type: format?.type ?? "text" };
  return {
    type: "json_schema",
    name: format.name || "response",
    ...(format.description ? { description: format.description } : {}),
    schema: format.schema,
    strict: format.strict ?? null,
  };
}
