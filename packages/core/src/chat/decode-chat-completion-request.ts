import type { CanonicalRequest, GenerationOptions, ResponseFormat } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { assertUsableSchema } from "../policy/tool-schema-check.js";
import { type ChatCompletionRequestBody, chatCompletionRequestSchema } from "./chat-completion-request-schema.js";
import { decodeMessages } from "./decode-messages.js";
import { decodeTools } from "./decode-tools.js";
import { describeZodIssue, invalidRequestFromZod } from "./invalid-request-from-zod.js";

/**
 * A Chat Completions request body as a canonical request. Throws `InvalidRequestError` (400, `param` in OpenAI's
 * style) for anything the client must fix; unknown fields are ignored.
 */
export function decodeChatCompletionRequest(body: unknown): CanonicalRequest {
  const parsed = chatCompletionRequestSchema.safeParse(body, { error: describeZodIssue, reportInput: true });
  if (!parsed.success) throw invalidRequestFromZod(parsed.error);
  const request = parsed.data;
  if (request.n !== undefined && request.n !== null && request.n > 1) {
    throw new InvalidRequestError(
      `'n' is ${request.n}, but toolshim generates one choice per request; omit 'n' (or send 1) and make several requests instead.`,
      "n",
      "unsupported_value",
    );
  }
  const { tools, toolChoice, parallelToolCalls, legacyFunctions } = decodeTools(request);
  const canonical: CanonicalRequest = {
    model: request.model,
    messages: decodeMessages(request.messages),
    tools,
    toolChoice,
    parallelToolCalls,
    options: generationOptions(request),
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
  };
  const responseFormat = decodeResponseFormat(request.response_format);
  if (responseFormat) canonical.responseFormat = responseFormat;
  if (legacyFunctions) canonical.legacyFunctions = true;
  if (request.user) canonical.user = request.user;
  return canonical;
}

function generationOptions(request: ChatCompletionRequestBody): GenerationOptions {
  const stop = typeof request.stop === "string" ? [request.stop] : request.stop;
  const options: GenerationOptions = {
    // max_completion_tokens replaced max_tokens; a client sending both means the newer one.
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    temperature: request.temperature ?? undefined,
    topP: request.top_p ?? undefined,
    stop: stop?.filter((sequence) => sequence !== ""),
    seed: request.seed ?? undefined,
    presencePenalty: request.presence_penalty ?? undefined,
    frequencyPenalty: request.frequency_penalty ?? undefined,
    reasoningEffort: request.reasoning_effort ?? undefined,
  };
  if (options.stop?.length === 0) delete options.stop;
  for (const key of Object.keys(options) as (keyof GenerationOptions)[]) {
    if (options[key] === undefined) delete options[key];
  }
  return options;
}

function decodeResponseFormat(format: ChatCompletionRequestBody["response_format"]): ResponseFormat | undefined {
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { name, description, schema, strict } = format.json_schema;
  if (schema) {
    assertUsableSchema(schema, { kind: "response_format", name: name || "response", param: "response_format.json_schema.schema", strict: strict === true, style: "openai" });
  }
  const decoded: ResponseFormat = { type: "json_schema", name: name || "response" };
  if (description) decoded.description = description;
  if (schema) decoded.schema = schema;
  if (typeof strict === "boolean") decoded.strict = strict;
  return decoded;
}
