import { z } from "zod";
import { toolNameSchema } from "../chat/chat-completion-request-schema.js";

/**
 * The Anthropic Messages request as real clients (the Anthropic SDK, Claude Code, the AI SDK) send it. Content blocks
 * and tools are checked one by one by the decoder, which dispatches on their `type`; unknown fields (`cache_control`,
 * `citations`, a thinking block's `signature`, `context_management`, `output_config.effort`, …) are stripped. Messages
 * are predicates: the decoder prefixes them with the field.
 */

export const textBlockSchema = z.object({ type: z.literal("text"), text: z.string() });
const textBlock = textBlockSchema;

const imageSource = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }),
    z.object({ type: z.literal("url"), url: z.string() }),
  ],
  { error: "must be {\"type\": \"base64\", \"media_type\": \"image/png\", \"data\": \"…\"} or {\"type\": \"url\", \"url\": \"https://…\"}; toolshim has no file store." },
);
export const imageBlockSchema = z.object({ type: z.literal("image"), source: imageSource });

export const documentBlockSchema = z.object({
  type: z.literal("document"),
  source: z.object({
    type: z.literal("text", {
      error: "must be \"text\" (a plain-text source with its text in 'data'); toolshim cannot read PDFs or files.",
    }),
    data: z.string(),
  }),
  title: z.string().nullish(),
});

export const toolUseBlockSchema = z.object({
  type: z.literal("tool_use"),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown(), { error: "must be the tool's arguments as a JSON object." }),
});

/** A tool search result naming a deferred tool (`defer_loading: true`) that the model may call from now on. */
export const toolReferenceBlockSchema = z.object({ type: z.literal("tool_reference"), tool_name: z.string().min(1) });

export const toolResultBlockSchema = z.object({
  type: z.literal("tool_result"),
  tool_use_id: z.string({ error: "is required: the id of the tool_use block this result answers." }).min(1),
  content: z
    .union(
      [
        z.string(),
        z.array(
          z.discriminatedUnion("type", [textBlock, imageBlockSchema, toolReferenceBlockSchema], {
            error: "must be a 'text', 'image' or 'tool_reference' block; toolshim passes only these back to the model.",
          }),
        ),
      ],
      { error: "must be a string or an array of 'text' / 'image' / 'tool_reference' blocks." },
    )
    .nullish(),
  is_error: z.boolean().nullish(),
});

export type ToolResultBlock = z.infer<typeof toolResultBlockSchema>;

export const thinkingBlockSchema = z.object({ type: z.literal("thinking"), thinking: z.string() });

export const messageSchema = z.object({
  // "system" mid-conversation is what Claude Code sends for models it does not recognise.
  role: z.enum(["user", "assistant", "system"], { error: "must be \"user\", \"assistant\" or \"system\"." }),
  content: z.union([z.string(), z.array(z.unknown())], { error: "must be a string or an array of content blocks." }),
});

export const toolSchema = z.object({
  name: toolNameSchema,
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown(), { error: "must be the tool's JSON Schema object, e.g. {\"type\": \"object\", \"properties\": {…}}." }),
  /** Listed to the model only once a `tool_reference` in the conversation names it. */
  defer_loading: z.boolean().nullish(),
  /** Strict tool use: the input must match `input_schema`, which must follow Anthropic's structured-output rules. */
  strict: z.boolean().nullish(),
});

/** JSON outputs: the text answer is one JSON document matching `schema` (`output_config.format`, or the beta `output_format`). */
const outputFormatSchema = z.object({
  type: z.literal("json_schema", { error: "must be \"json_schema\": the only output format there is." }),
  schema: z.record(z.string(), z.unknown(), { error: "must be the answer's JSON Schema object, e.g. {\"type\": \"object\", \"properties\": {…}}." }),
});

const toolChoiceSchema = z.discriminatedUnion(
  "type",
  [
    z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("tool"), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("none") }),
  ],
  { error: "must be {\"type\": \"auto\" | \"any\" | \"none\"} or {\"type\": \"tool\", \"name\": \"…\"}." },
);

export const messagesRequestSchema = z.object({
  model: z.string().min(1),
  // Required by Anthropic; optional here so count_tokens (which has none) shares the schema. The decoder enforces it.
  max_tokens: z.number().int().min(1).nullish(),
  system: z.union([z.string(), z.array(textBlock)], { error: "must be a string or an array of 'text' blocks." }).nullish(),
  messages: z.array(messageSchema).min(1),
  tools: z.array(z.unknown()).nullish(),
  tool_choice: toolChoiceSchema.nullish(),
  stop_sequences: z.array(z.string()).nullish(),
  stream: z.boolean().nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  thinking: z.object({ type: z.string() }).nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).nullish(),
  output_config: z.object({ format: outputFormatSchema.nullish() }).nullish(),
  /** The structured-outputs beta's name for `output_config.format` (header `structured-outputs-2025-11-13`). */
  output_format: outputFormatSchema.nullish(),
});

export type MessagesRequestBody = z.infer<typeof messagesRequestSchema>;
