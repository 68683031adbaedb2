import { z } from "zod";
import { toolNameSchema } from "../chat/chat-completion-request-schema.js";

/**
 * The Responses request as real clients send it. The body is checked here; `input` items and `tools` are checked one
 * by one by the decoder, which dispatches on their `type` so a client gets an error about the item it sent rather than
 * a union of every item shape. Messages are predicates: the decoder prefixes them with the offending field.
 */

const textPart = z.object({ type: z.enum(["input_text", "output_text", "text"]), text: z.string() });
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() });
const imagePart = z.object({
  type: z.literal("input_image"),
  image_url: z.string({
    error: "must be the image as an http(s) or data: URL; toolshim has no file store, so 'file_id' images are not supported.",
  }),
  detail: z.enum(["auto", "low", "high"]).nullish(),
});

function unsupportedPart(accepted: string) {
  return (issue: { code?: string; input?: unknown }): string => {
    if (issue.code === "invalid_type") return `must be a content part object, e.g. {"type": "input_text", "text": "…"}.`;
    const type = (issue.input as { type?: unknown } | undefined)?.type;
    if (type === "input_file") return "is an 'input_file' part, which toolshim does not accept; send the file's text as an 'input_text' part.";
    const which = typeof type === "string" ? `of type '${type}'` : "without a 'type'";
    return `is a content part ${which}, which toolshim does not accept here; send ${accepted} parts instead.`;
  };
}

const messageParts = z.array(
  z.discriminatedUnion("type", [textPart, refusalPart, imagePart], {
    error: unsupportedPart("'input_text', 'output_text' or 'input_image'"),
  }),
);

export const messageItemSchema = z.object({
  type: z.literal("message").optional(),
  id: z.string().nullish(),
  role: z.enum(["user", "system", "developer", "assistant"], {
    error: "must be \"user\", \"assistant\", \"system\" or \"developer\".",
  }),
  content: z.union([z.string(), messageParts], { error: "must be a string or an array of content parts." }),
});

export const functionCallItemSchema = z.object({
  type: z.literal("function_call"),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).nullish(),
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())], {
    error: 'must be the arguments object encoded as a JSON string, e.g. "{\\"city\\": \\"Paris\\"}".',
  }),
});

export const customToolCallItemSchema = z.object({
  type: z.literal("custom_tool_call"),
  id: z.string().nullish(),
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().min(1).nullish(),
  input: z.string({ error: "must be the raw input string the model wrote for the custom tool." }),
});

export const functionCallOutputItemSchema = z.object({
  type: z.enum(["function_call_output", "custom_tool_call_output"]),
  id: z.string().nullish(),
  call_id: z.string({ error: "is required: the call_id of the function_call this output answers." }).min(1),
  output: z.union(
    [
      z.string(),
      z.array(z.discriminatedUnion("type", [textPart, imagePart], { error: unsupportedPart("'input_text' or 'input_image'") })),
    ],
    { error: "must be a string or an array of 'input_text' / 'input_image' parts." },
  ),
});

export const itemReferenceSchema = z.object({
  type: z.literal("item_reference").nullish(),
  id: z.string({ error: "is required: the id of an item from an earlier response." }).min(1),
});

export const reasoningItemSchema = z.object({
  type: z.literal("reasoning"),
  id: z.string().nullish(),
  summary: z.array(z.object({ text: z.string() })).nullish(),
  encrypted_content: z.string().nullish(),
});

export const functionToolSchema = z.object({
  type: z.literal("function"),
  name: toolNameSchema,
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown(), { error: "must be a JSON Schema object (or omitted for no arguments)." }).nullish(),
  strict: z.boolean().nullish(),
});

const customFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("grammar"), syntax: z.enum(["lark", "regex"]), definition: z.string().min(1) }),
  ],
  { error: 'must be {"type": "text"} or {"type": "grammar", "syntax": "lark" | "regex", "definition": "…"}.' },
);

export const customToolSchema = z.object({
  type: z.literal("custom"),
  name: toolNameSchema,
  description: z.string().nullish(),
  format: customFormatSchema.nullish(),
});

export const namespaceToolSchema = z.object({
  type: z.literal("namespace"),
  name: z.string().regex(/^[^\s\p{Cc}.]{1,128}$/u, { error: "must be 1 to 128 characters without spaces, dots or control characters." }),
  description: z.string().nullish(),
  tools: z.array(z.unknown(), { error: "must be an array of function or custom tools." }),
});

const namedFunction = z.object({ type: z.enum(["function", "custom"]), name: z.string() });

const toolChoiceSchema = z.union(
  [
    z.enum(["none", "auto", "required"]),
    z.discriminatedUnion("type", [
      namedFunction,
      z.object({ type: z.literal("allowed_tools"), mode: z.enum(["auto", "required"]), tools: z.array(namedFunction).min(1) }),
    ]),
  ],
  {
    error:
      'must be "none", "auto", "required", {"type": "function" | "custom", "name": "…"} or ' +
      '{"type": "allowed_tools", "mode": "auto" | "required", "tools": [{"type": "function", "name": "…"}]}; ' +
      "toolshim cannot force a hosted tool.",
  },
);

const textFormatSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("text") }),
    z.object({ type: z.literal("json_object") }),
    z.object({
      type: z.literal("json_schema"),
      name: z.string().nullish(),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()),
      strict: z.boolean().nullish(),
    }),
  ],
  { error: "must be \"text\", \"json_object\" or \"json_schema\"." },
);

export const responsesRequestSchema = z.object({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())], { error: "must be a string or an array of input items." }).nullish(),
  instructions: z.string().nullish(),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.object({ format: textFormatSchema.nullish() }).nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().min(1).nullish(),
  reasoning: z.object({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  truncation: z.enum(["auto", "disabled"]).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
});

export type ResponsesRequestBody = z.infer<typeof responsesRequestSchema>;
