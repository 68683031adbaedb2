/** What the double's scripted model answers to one completion. */
export interface DoubleAnswer {
  /** `thinking_summary` paragraphs, sent cumulatively (one frame per paragraph) when thinking is on. */
  summary?: string[];
  /** Older `think` phase pieces, sent when thinking is on. */
  think?: string[];
  /** The reply, one `answer` frame per piece. */
  answer: string[];
  /** Token counts reported in the running usage (default: rough counts of the prompt and the answer). */
  usage?: { input: number; output: number };
  /** How the stream ends: the `finished` frame (default), a reset connection, or silence (keep-alives) until stopped. */
  end?: "finished" | "drop" | "stall";
  /** `response.info` keep-alive frames sent before the first content frame. */
  keepAlivesFirst?: number;
}

export interface AnswerContext {
  prompt: string;
  model: string;
  thinking: boolean;
  search: boolean;
  chatId: string;
  account: string;
}

/** A switch for each documented failure (reference §11, §15.9); each applies to the next matching request. */
export type DoubleFailure =
  /** The WAF's captcha JSON (`ret: [FAIL_SYS_USER_VALIDATE, …]`) with HTTP 200. */
  | { kind: "waf" }
  /** An HTML block page with HTTP 200. */
  | { kind: "waf-html" }
  /** An error frame inside the HTTP 200 stream (`Too_Many_Requests`, `ContextLengthExceeded`, `unauthorized`, …). */
  | { kind: "stream-error"; code: string; details: string; afterAnswer?: string[] }
  /** The JSON envelope `{success: false, data: {code, details, num?}}` with HTTP 200. */
  | { kind: "envelope-error"; code: string; details: string; num?: number }
  /** An HTTP status with an envelope body (and `retry-after` when given). */
  | { kind: "http"; status: number; retryAfter?: number }
  /** The Global Accelerator's 504 HTML page. */
  | { kind: "gateway-504" }
  /** HTTP 200 event stream with no frames at all. */
  | { kind: "empty" }
  /** Frames of a shape the provider does not know (the upstream changed its format). */
  | { kind: "changed-shape" };

export type FailureTarget = "signin" | "chats/new" | "completion" | "models";

export interface LoggedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  /** For completions: how the stream ended. */
  outcome?: "pending" | "finished" | "aborted" | "stopped" | "failed" | "dropped";
}

export interface DoubleChat {
  id: string;
  owner: string;
  model: string;
  deleted: boolean;
  responseIds: string[];
}
