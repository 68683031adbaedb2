/**
 * What the completion stream says, in the order it says it. Only `text`, `reasoning`, `usage`, `status` and `hint`
 * decide the answer; the others are for threading and logs.
 */
export type StreamEvent =
  /** First frame of every response body: the message ids and the model tier actually used. */
  | { type: "ready"; requestMessageId?: number; responseMessageId?: number; modelType?: string }
  /** New characters of the answer (RESPONSE fragments, Gen-2 `response/content`, Gen-1 `text` deltas). */
  | { type: "text"; text: string }
  /** New characters of the thinking (THINK fragments, Gen-2 `response/thinking_content`, Gen-1 `thinking` deltas). */
  | { type: "reasoning"; text: string }
  /** The output-side token counter, cumulative over continue rounds. */
  | { type: "usage"; outputTokens: number }
  /** `response/status` changed: WIP, FINISHED, INCOMPLETE, CONTENT_FILTER, AUTO_CONTINUE, … */
  | { type: "status"; status: string }
  /** A fragment that is not answer text appeared (TIP, TOOL_SEARCH, TOOL_OPEN, TEMPLATE_RESPONSE, unknown types). */
  | { type: "fragment"; fragmentType: string; id?: number; content?: string }
  /** An in-stream notice; `level: "error"` ends the answer (rate limit, input too long, backend busy). */
  | { type: "hint"; level: string; content: string; finishReason?: string }
  | { type: "title"; title: string }
  /** The server's last frame; `clickBehavior: "retry"` follows a rate-limit hint. */
  | { type: "close"; clickBehavior?: string; autoResume?: boolean }
  /** A `data: [DONE]` line (never seen in Gen-3, accepted defensively). */
  | { type: "done" }
  /** A data line that is not JSON (a cut-off line); reported so it can be logged, never fatal. */
  | { type: "malformed"; event: string; preview: string };
