/**
 * The OpenAI Responses API objects toolshim reads and writes, in their wire shape. Input items are normalised to these
 * shapes by the decoder (so a stored conversation replays exactly), output items are what the encoder emits.
 */

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface InputTextPart {
  type: "input_text";
  text: string;
}

export interface InputImagePart {
  type: "input_image";
  /** An http(s) URL or a data: URL. */
  image_url: string;
  detail?: "auto" | "low" | "high";
}

export interface OutputTextPart {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs: unknown[];
}

export interface RefusalPart {
  type: "refusal";
  refusal: string;
}

export type MessageContentPart = InputTextPart | InputImagePart | OutputTextPart | RefusalPart;

export interface MessageItem {
  type: "message";
  id?: string;
  role: "user" | "system" | "developer" | "assistant";
  status?: ItemStatus;
  content: MessageContentPart[];
}

export interface FunctionCallItem {
  type: "function_call";
  id?: string;
  call_id: string;
  /** Without the namespace, which is its own field (Codex's `namespace` tools). */
  name: string;
  namespace?: string;
  arguments: string;
  status?: ItemStatus;
}

/** A call of a custom (freeform) tool: one raw input string. */
export interface CustomToolCallItem {
  type: "custom_tool_call";
  id?: string;
  call_id: string;
  name: string;
  namespace?: string;
  input: string;
  status?: ItemStatus;
}

export interface CustomToolCallOutputItem {
  type: "custom_tool_call_output";
  id?: string;
  call_id: string;
  output: string | Array<InputTextPart | InputImagePart>;
  status?: ItemStatus;
}

export interface FunctionCallOutputItem {
  type: "function_call_output";
  id?: string;
  call_id: string;
  output: string | Array<InputTextPart | InputImagePart>;
  status?: ItemStatus;
}

export interface SummaryTextPart {
  type: "summary_text";
  text: string;
}

export interface ReasoningItem {
  type: "reasoning";
  id?: string;
  summary: SummaryTextPart[];
  encrypted_content?: string | null;
  status?: ItemStatus;
}

/** Every input item after `item_reference`s were resolved; what a stored conversation is made of. */
export type ResponseItem =
  | MessageItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | CustomToolCallItem
  | CustomToolCallOutputItem
  | ReasoningItem;

/** What the encoder puts into `output`: always with an `id` and a `status`. */
export type ResponseOutputItem =
  | (MessageItem & { id: string; role: "assistant"; status: ItemStatus })
  | (FunctionCallItem & { id: string; status: ItemStatus })
  | (CustomToolCallItem & { id: string; status: ItemStatus })
  | (ReasoningItem & { id: string });

export interface ResponseFunctionTool {
  type: "function";
  name: string;
  description: string | null;
  parameters: Record<string, unknown> | null;
  strict: boolean;
}

export interface ResponseCustomTool {
  type: "custom";
  name: string;
  description?: string;
  format?: { type: "text" } | { type: "grammar"; syntax: "lark" | "regex"; definition: string };
}

export interface ResponseNamespaceTool {
  type: "namespace";
  name: string;
  description: string;
  tools: Array<ResponseFunctionTool | ResponseCustomTool>;
}

/** The tools a Response echoes: the ones toolshim emulates, as the client sent them (hosted tools left out). */
export type ResponseTool = ResponseFunctionTool | ResponseCustomTool | ResponseNamespaceTool;

export type ResponseToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; name: string }
  | { type: "custom"; name: string }
  | { type: "allowed_tools"; mode: "auto" | "required"; tools: Array<{ type: "function" | "custom"; name: string }> };

export type ResponseTextFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; description?: string; schema: Record<string, unknown>; strict: boolean | null };

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

export type ResponseStatus = "in_progress" | "completed" | "incomplete" | "failed";

/** The request parameters a Response object echoes back. */
export interface ResponseEcho {
  instructions: string | null;
  max_output_tokens: number | null;
  model: string;
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number;
  text: { format: ResponseTextFormat };
  tool_choice: ResponseToolChoice;
  tools: ResponseTool[];
  top_p: number;
  truncation: "auto" | "disabled";
  user: string | null;
  metadata: Record<string, string>;
}

export interface ResponseObject extends ResponseEcho {
  id: string;
  object: "response";
  created_at: number;
  completed_at: number | null;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  output: ResponseOutputItem[];
  usage: ResponseUsage | null;
}
