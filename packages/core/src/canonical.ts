/**
 * The canonical model in the middle of toolshim. Every wire API decodes into `CanonicalRequest` and encodes from a
 * stream of `CanonicalEvent`s; the engine, the parser and the providers never see a wire format.
 */

export type JsonSchema = Record<string, unknown>;

export interface TextPart {
  type: "text";
  text: string;
}

export interface ImagePart {
  type: "image";
  /** An http(s) URL or a data: URL. */
  url: string;
  detail?: "auto" | "low" | "high";
}

export type ContentPart = TextPart | ImagePart;

export interface CanonicalToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text, exactly as the client will see them; for a custom tool, its raw input string. */
  arguments: string;
  /** A call of a custom (freeform) tool: `arguments` is raw text, not JSON. */
  custom?: boolean;
}

export interface SystemMessage {
  role: "system";
  content: string;
  /** True when the client sent it as `developer`. */
  developer?: boolean;
}

export interface UserMessage {
  role: "user";
  content: string | ContentPart[];
  name?: string;
}

export interface AssistantMessage {
  role: "assistant";
  content: string | null;
  toolCalls?: CanonicalToolCall[];
  reasoning?: string;
}

export interface ToolMessage {
  role: "tool";
  toolCallId: string;
  /** Filled by the decoder from the call the result answers. */
  name: string;
  /** The result's text (all of it, when `parts` is set). */
  content: string;
  /**
   * Set only when the result holds images: its text and image parts in the client's order. Emulation renders them in
   * place inside the result; upstreams whose tool results take only text read `content` and place the images after.
   */
  parts?: ContentPart[];
  isError?: boolean;
}

export type CanonicalMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object; `{ type: "object", properties: {} }` when the client sent none. */
  parameters: JsonSchema;
  strict: boolean;
  /**
   * Present for a custom (freeform) tool: it takes one raw string instead of a JSON object, optionally constrained by a
   * grammar. Its `parameters` are then unused.
   */
  custom?: { format: CustomToolFormat };
}

/** What a custom tool's raw input must look like: free text, or text matching a Lark grammar or a regular expression. */
export type CustomToolFormat = { type: "text" } | { type: "grammar"; syntax: "lark" | "regex"; definition: string };

export type ToolChoice =
  | { type: "auto" }
  | { type: "none" }
  | { type: "required" }
  | { type: "function"; name: string }
  | { type: "allowed"; mode: "auto" | "required"; names: string[] };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; description?: string; schema?: JsonSchema; strict?: boolean };

export interface GenerationOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  reasoningEffort?: string;
}

export interface CanonicalRequest {
  /** The model id the client asked for. */
  model: string;
  messages: CanonicalMessage[];
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  responseFormat?: ResponseFormat;
  options: GenerationOptions;
  stream: boolean;
  includeUsage: boolean;
  /** The client used the legacy `functions` / `function_call` fields and expects `function_call` back. */
  legacyFunctions?: boolean;
  user?: string;
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  reasoningTokens?: number;
  cachedInputTokens?: number;
}

/**
 * What the engine emits. Tool-call events for one index arrive as start, zero or more deltas, end; calls are not
 * interleaved and indexes are 0..n-1. The deltas of a call concatenate to `arguments` of its end event.
 * A call cut off by the upstream's length limit gets no end event: `finish` ("length") follows, and encoders must
 * not present that call as complete. `usage`, when known, comes just before `finish`, which is always last.
 * A failure after the first event is thrown from the iterator as a `ToolshimError`.
 */
export type CanonicalEvent =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  /** `custom`: a custom tool's call, whose deltas and `arguments` are its raw input rather than JSON. */
  | { type: "tool-call-start"; index: number; id: string; name: string; custom?: boolean }
  | { type: "tool-call-delta"; index: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number; arguments: string }
  | { type: "usage"; usage: Usage }
  /** `stopSequence`: the client's stop string that ended the answer (it is not part of the text). */
  | { type: "finish"; reason: FinishReason; stopSequence?: string };
