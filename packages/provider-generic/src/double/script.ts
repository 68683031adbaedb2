/**
 * What the double's "model" answers and how the answer travels: the script types of the OpenAI-compatible double.
 */

/** A tool call the double returns in native-tools mode (`tools: "native"`). */
export interface DoubleToolCall {
  /** Default: `call_double_<n>`. */
  id?: string;
  name: string;
  /** The arguments as JSON text. Streamed in `chunkSize` pieces after an opening delta with `arguments: ""`. */
  arguments: string;
}

/**
 * How a reply fails. Chunk counts include every SSE event the double writes for the reply (the role chunk is event 1),
 * so `afterChunks: 0` acts before any event and `afterChunks: 1` after the role chunk.
 */
export type DoubleFailure =
  /** Answer with this HTTP status and an OpenAI-shaped error body (or `body` verbatim), before any stream starts. */
  | {
      kind: "http";
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      headers?: Record<string, string>;
      /** Raw response body; replaces the OpenAI-shaped error JSON. */
      body?: string;
    }
  /** Destroy the socket after `afterChunks` events (0: before the response headers). Non-stream: before any byte. */
  | { kind: "reset"; afterChunks: number }
  /** Stop writing after `afterChunks` events and keep the connection open until the client gives up. Non-stream: no response at all. */
  | { kind: "stall"; afterChunks: number }
  /** Never send response headers (a server that accepted the connection and hangs). */
  | { kind: "hang" }
  /** End the stream cleanly after `afterChunks` events, with no finish chunk and no `[DONE]`. Non-stream: a truncated JSON body. */
  | { kind: "end-early"; afterChunks: number }
  /** Write a `data:` line that is not JSON after `afterChunks` events, then end. Non-stream: a 200 with a non-JSON body. */
  | { kind: "malformed"; afterChunks: number };

/** One scripted answer. Everything is optional; an empty reply is an empty assistant message with `finish_reason: "stop"`. */
export interface DoubleReply {
  /** The content. A string is cut into `chunkSize` pieces; an array is sent as exactly these content chunks. */
  text?: string | string[];
  /** Reasoning sent before the content, in `reasoningField` deltas; string or exact chunks like `text`. */
  reasoning?: string | string[];
  /** Which delta field carries reasoning: llama.cpp/DeepSeek use `reasoning_content`, newer vLLM/OpenRouter `reasoning`. */
  reasoningField?: "reasoning_content" | "reasoning";
  /** Native tool calls; only honoured when the double runs with `tools: "native"` (otherwise the request fails 500). */
  toolCalls?: DoubleToolCall[];
  /**
   * Default: "tool_calls" when there are tool calls, else "stop". `null` imitates servers that never set it: no
   * finish chunk, but the stream still ends with `[DONE]` (non-stream: `finish_reason: null`).
   */
  finishReason?: "stop" | "length" | "tool_calls" | "content_filter" | null;
  /** Token counts to report; default: estimated from the request and the reply (about 4 characters per token). */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Characters per content/reasoning/arguments chunk when given as a string. Default: the double's `chunkSize` (4). */
  chunkSize?: number;
  /** Delay between SSE events, in ms. Default: the double's `delayMs` (0). */
  delayMs?: number;
  /** Delay before the response headers, in ms (to test first-byte timeouts). Default 0. */
  headersDelayMs?: number;
  failure?: DoubleFailure;
}

/** A request the double received, recorded in arrival order. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. "/v1/chat/completions". */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: any;
  rawBody: string;
  /**
   * "pending" while the response is being written, "completed" when it was fully sent, "aborted" when the client
   * closed the connection first (for example because its AbortSignal fired), "reset" when the script's `reset`
   * failure destroyed the socket. A stalled or hanging response stays "pending" until the client gives up ("aborted").
   */
  outcome: "pending" | "completed" | "aborted" | "reset";
}

/** A reply as a value, or computed from the request (e.g. answer differently once a tool result is in the history). */
export type DoubleScript = string | DoubleReply | ((request: RecordedRequest) => string | DoubleReply | Promise<string | DoubleReply>);
