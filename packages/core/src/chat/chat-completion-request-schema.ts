import { z } from "zod";

/**
 * The Chat Completions request as real clients send it. Lenient where clients differ (nulls, absent fields, content
 * arrays on every role, unknown keys, which zod strips), strict where a wrong value would change the answer.
 * Schema-level messages are predicates: `invalidRequestFromZod` prefixes them with the offending field.
 */

function unsupportedPart(role: string, accepted: string) {
  return (issue: { code?: string; input?: unknown }): string => {
    if (issue.code === "invalid_type") return `must be a content part object, e.g. {"type": "text", "text": "…"}.`;
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    const which = typeof type === "string" ? `of type '${type}'` : "without a 'type'";
    return `is a content part ${which}, which toolshim does not accept in ${role} messages; send ${accepted} parts instead.`;
  };
}

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });
const imageUrlPart = z.object({
  type: z.literal("image_url"),
  image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().nullish() })], {
    error: 'must be an object {"url": "https://… or data:image/…;base64,…"}.',
  }),
});

const textParts = (role: string) =>
  z.array(z.discriminatedUnion("type", [textPart], { error: unsupportedPart(role, "'text'") }));

const contentOf = <Parts extends z.ZodType>(parts: Parts, accepted: string) =>
  z.union([z.string(), parts], { error: `must be a string or an array of ${accepted} content parts.` });

const userContent = contentOf(
  z.array(z.discriminatedUnion("type", [textPart, imageUrlPart], { error: unsupportedPart("user", "'text' or 'image_url'") })),
  "'text' or 'image_url'",
);
const assistantContent = z.union(
  [
    z.string(),
    z.array(z.discriminatedUnion("type", [textPart, refusalPart], { error: unsupportedPart("assistant", "'text'") })),
  ],
  { error: "must be a string, null, or an array of 'text' content parts." },
);

/** Serialized JSON in OpenAI's format; an object is accepted too and serialized by the decoder. */
const argumentsField = z.union([z.string(), z.record(z.string(), z.unknown())], {
  error: 'must be the arguments object encoded as a JSON string, e.g. "{\\"city\\": \\"Paris\\"}".',
});

const callId = z.string({ error: "must be the call's id string; the tool message answering it repeats it as tool_call_id." });
const toolCall = z.discriminatedUnion(
  "type",
  [
    z.object({ id: callId, type: z.literal("function").optional(), function: z.object({ name: z.string(), arguments: argumentsField }) }),
    z.object({ id: callId, type: z.literal("custom"), custom: z.object({ name: z.string(), input: z.string() }) }),
  ],
  { error: "must be \"function\" or \"custom\": toolshim supports function and custom tool calls." },
);

const systemMessage = z.object({ role: z.literal("system"), content: contentOf(textParts("system"), "'text'") });
const developerMessage = z.object({ role: z.literal("developer"), content: contentOf(textParts("developer"), "'text'") });
const userMessage = z.object({ role: z.literal("user"), content: userContent, name: z.string().nullish() });
const assistantMessage = z.object({
  role: z.literal("assistant"),
  content: assistantContent.nullish(),
  tool_calls: z.array(toolCall).nullish(),
  function_call: z.object({ name: z.string(), arguments: argumentsField }).nullish(),
  reasoning_content: z.string().nullish(),
});
// Tools that return screenshots or charts (computer use, MCP hosts) send image parts in the result.
const toolContent = contentOf(
  z.array(z.discriminatedUnion("type", [textPart, imageUrlPart], { error: unsupportedPart("tool", "'text' or 'image_url'") })),
  "'text' or 'image_url'",
);
const toolMessage = z.object({
  role: z.literal("tool"),
  tool_call_id: z.string({ error: "is required: the id of the assistant tool call this message answers." }),
  content: toolContent.nullish(),
});
const functionMessage = z.object({
  role: z.literal("function"),
  name: z.string({ error: "is required: the name of the function whose result this message carries." }),
  content: z.string().nullish(),
});

export const chatMessageSchema = z.discriminatedUnion(
  "role",
  [systemMessage, developerMessage, userMessage, assistantMessage, toolMessage, functionMessage],
  { error: "must be one of 'system', 'developer', 'user', 'assistant', 'tool' or 'function'." },
);

/** Names as MCP hosts send them: namespaced, sometimes longer than OpenAI's 64 or with `.` and `/`. */
export const toolNameSchema = z
  .string()
  .regex(/^[^\s\p{Cc}]{1,128}$/u, {
    error: 'must be 1 to 128 characters without spaces or control characters, e.g. "get_weather" or "mcp__files__read".',
  });

const functionShape = {
  name: toolNameSchema,
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object (or omitted for no arguments)." }).nullish(),
  strict: z.boolean().nullish(),
};
const functionDefinition = z.object(functionShape);

const functionTool = z.object({
  type: z.literal("function").optional(),
  // Clients configured for the Responses API send the flat form {"type", "name", "parameters"}: say so.
  function: z.object(functionShape, {
    error: 'must be an object {"name": …, "description": …, "parameters": {…}}; Chat Completions nests the function under "function".',
  }),
});

/** A custom (freeform) tool: its calls carry one raw input string, optionally constrained by a grammar. */
const customTool = z.object({
  type: z.literal("custom"),
  custom: z.object(
    {
      name: toolNameSchema,
      description: z.string().nullish(),
      format: z
        .discriminatedUnion(
          "type",
          [
            z.object({ type: z.literal("text") }),
            z.object({ type: z.literal("grammar"), grammar: z.object({ syntax: z.enum(["lark", "regex"]), definition: z.string().min(1) }) }),
          ],
          { error: 'must be {"type": "text"} or {"type": "grammar", "grammar": {"syntax": "lark" | "regex", "definition": "…"}}.' },
        )
        .nullish(),
    },
    { error: 'must be an object {"name": …, "description": …, "format": {…}}.' },
  ),
});

const toolSchema = z.discriminatedUnion("type", [functionTool, customTool], {
  error: "must be \"function\" or \"custom\": toolshim emulates function and custom tools, not built-in ones.",
});

/**
 * A function named in `tool_choice`: nested as Chat Completions documents it (`{"function": {"name"}}`), or flat as the
 * Responses API writes it (`{"name"}`), which clients shared between both APIs send here too.
 */
const namedFunction = z.union(
  [
    z.object({ type: z.literal("function").optional(), function: z.object({ name: z.string() }) }),
    z.object({ type: z.literal("function").optional(), name: z.string() }),
  ],
  { error: 'must name a function: {"type": "function", "function": {"name": "…"}} or {"type": "function", "name": "…"}.' },
);
const allowedMode = z.enum(["auto", "required"]);

const toolChoiceSchema = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.discriminatedUnion(
      "type",
      [
        // Nested (Chat) or flat (Responses) form; decodeTools says what is missing when a choice has neither.
        z.object({ type: z.literal("function"), function: z.object({ name: z.string() }).optional(), name: z.string().optional() }),
        z.object({ type: z.literal("custom"), custom: z.object({ name: z.string() }) }),
        z.object({
          type: z.literal("allowed_tools"),
          allowed_tools: z.object({ mode: allowedMode, tools: z.array(namedFunction).min(1) }).optional(),
          mode: allowedMode.optional(),
          tools: z.array(namedFunction).min(1).optional(),
        }),
      ],
      { error: "must be \"function\", \"custom\" or \"allowed_tools\": toolshim cannot force a built-in tool." },
    ),
  ],
  {
    error:
      'must be "none", "auto", "required", {"type": "function", "function": {"name": "…"}} or ' +
      '{"type": "allowed_tools", "allowed_tools": {"mode": "auto" | "required", "tools": […]}} ' +
      "(the Responses API's flat forms, without the \"function\" / \"allowed_tools\" wrapper, are accepted too).",
  },
);

const legacyFunctionCallSchema = z.union([z.enum(["none", "auto"]), z.object({ name: z.string() })], {
  error: 'must be "none", "auto" or {"name": "…"}.',
});

const responseFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      json_schema: z.object({
        name: z.string().nullish(),
        description: z.string().nullish(),
        schema: z.record(z.string(), z.unknown()).nullish(),
        strict: z.boolean().nullish(),
      }),
    }),
  ],
  { error: "must be \"text\", \"json_object\" or \"json_schema\"." },
);

const positiveInt = z.number().int().min(1).nullish();

export const chatCompletionRequestSchema = z.object({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1),
  tools: z.array(toolSchema).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  functions: z.array(functionDefinition).nullish(),
  function_call: legacyFunctionCallSchema.nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  response_format: responseFormatSchema.nullish(),
  n: positiveInt,
  max_tokens: positiveInt,
  max_completion_tokens: positiveInt,
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string())], { error: "must be a string or an array of strings." }).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  reasoning_effort: z.string().nullish(),
  user: z.string().nullish(),
});

export type ChatCompletionRequestBody = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessageBody = z.infer<typeof chatMessageSchema>;
