/**
 * The OpenAI-compatible response shapes as read from the wire. Nothing validates a body against them: every field is
 * optional and read with a typeof check, because compatible servers differ (and some are wrong).
 */
export interface WireToolCall {
  index?: unknown;
  id?: unknown;
  function?: { name?: unknown; arguments?: unknown };
}

export interface WireMessage {
  content?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: unknown;
}

export interface WireChoice {
  delta?: WireMessage;
  message?: WireMessage;
  finish_reason?: unknown;
}

export interface WireUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  completion_tokens_details?: { reasoning_tokens?: unknown };
}

/** A streamed `chat.completion.chunk`, a whole `chat.completion`, or an error body. */
export interface WireCompletion {
  choices?: WireChoice[];
  usage?: WireUsage | null;
  error?: unknown;
}

/** `GET /models`: OpenAI's `{data: [{id}]}`, or Ollama's native `{models: [{name}]}`. */
export interface WireModelList {
  data?: { id?: unknown }[];
  models?: { name?: unknown }[];
}
