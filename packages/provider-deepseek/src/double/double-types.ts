import type { CaptureId } from "./captures.js";

/** Routes of the double, as the part of the path after `/api/v0/`. */
export type DoubleRoute =
  | "users/login"
  | "users/current"
  | "chat_session/create"
  | "chat_session/delete"
  | "chat_session/delete_all"
  | "chat_session/fetch_page"
  | "chat/create_pow_challenge"
  | "chat/completion"
  | "chat/continue"
  | "chat/stop_stream";

/** "muted" accounts log in but their completions are refused (biz_code 5); the others cannot log in. */
export type DoubleAccountStatus = "active" | "banned" | "muted" | "risk-device";

export interface DoubleAccountInit {
  email?: string;
  /** Digits only, as the login body carries it. */
  mobile?: string;
  password: string;
  status?: DoubleAccountStatus;
  /** A token that is valid from the start, as if the account had logged in before. */
  token?: string;
  /** Unix seconds, reported with biz_code 5 for a muted account. Default: one week after start. */
  muteUntil?: number;
}

export interface DoubleAccount {
  id: number;
  email?: string;
  mobile?: string;
  password: string;
  status: DoubleAccountStatus;
  muteUntil: number;
  /** Every token issued to the account and not revoked. */
  tokens: Set<string>;
}

/** Who sent a request: its bearer token and, unless the token was given directly, the account it belongs to. */
export interface Caller {
  token: string;
  account?: DoubleAccount;
}

/** A scripted answer of the double's "model". */
export interface DoubleReply {
  /**
   * The answer (the RESPONSE fragment). With the "search" scenario, `[reference:N]` markers in it go out as the
   * citation BATCH frames the real search stream uses; the decoded text is the same.
   */
  text: string;
  /** The reasoning (THINK fragment), used when the request has `thinking_enabled`. Default: a short fixed sentence. */
  thinking?: string;
  /** Append the "AI-generated" TIP fragment after the answer, as the default model sometimes does. Default false. */
  tip?: boolean;
}

/** What a scripted reply function sees of the completion request. */
export interface ReplyContext {
  prompt: string;
  sessionId: string;
  parentMessageId: number | null;
  requestMessageId: number;
  responseMessageId: number;
  thinkingEnabled: boolean;
  searchEnabled: boolean;
  /** The model the session runs (the first message's `model_type`, default "default"). */
  modelType: string;
  token: string;
  /** The parsed request body. */
  body: Record<string, unknown>;
}

export type ReplyScript = string | DoubleReply | ((context: ReplyContext) => string | DoubleReply | Promise<string | DoubleReply>);

/**
 * How a request goes. Scenarios without `route` apply to `chat/completion`. "waf" acts at the edge, before any auth
 * or proof-of-work check; the others at the point where the answer would start.
 */
export type DoubleScenario =
  /** The stream of §6 / capture A; with `search_enabled` the search is not triggered (like capture A). */
  | { kind: "normal" }
  /** With `search_enabled`: TOOL_SEARCH and TOOL_OPEN fragments, later THINK stages, citations (capture D). */
  | { kind: "search"; queries?: string[] }
  /** The reply is cut: `rounds` streams end INCOMPLETE, each finished by one `/chat/continue` (capture F). Default 1. */
  | { kind: "incomplete"; rounds?: number }
  /** The answer streams, then is replaced by the refusal template with status CONTENT_FILTER (capture E). */
  | { kind: "content-filter" }
  /** `ready`, `hint` rate_limit_reached, `close` with click_behavior "retry" (capture H). */
  | { kind: "rate-limit" }
  /** `ready`, `hint` input_exceeds_limit, `close`. */
  | { kind: "input-too-long" }
  /** Reasoning only, then FINISHED with no RESPONSE fragment (the "empty output" failure of throttled accounts). */
  | { kind: "empty-output" }
  /** A JSON envelope instead of the answer. */
  | {
      kind: "json-error";
      route?: DoubleRoute;
      /** HTTP status. Default 200, as the real server mostly answers. */
      status?: number;
      /** Envelope `code`; with `bizCode` the envelope is `code: 0` and the error sits in `data`. */
      code?: number;
      msg?: string;
      bizCode?: number;
      bizMsg?: string;
      bizData?: unknown;
    }
  /** An AWS WAF answer: 202 + `x-amzn-waf-action: challenge` with an HTML page, or 403 + `block`. */
  | { kind: "waf"; route?: DoubleRoute; status?: 202 | 403 }
  /** The connection is destroyed after `afterFrames` SSE events (0: before any byte of the response). Default 4. */
  | { kind: "drop"; route?: DoubleRoute; afterFrames?: number }
  /** A verbatim capture of §11, byte for byte; a capture with several rounds serves the rest to `/chat/continue`. */
  | { kind: "replay"; capture: CaptureId };

export interface DeepSeekDoubleOptions {
  accounts?: DoubleAccountInit[];
  /** Bearer tokens that work without any account ("bring your own token"). */
  tokens?: string[];
  /** Answers of the model; queued replies (`queueReplies`) go first. Default: "Hello from the DeepSeek double." */
  reply?: ReplyScript;
  /** Default scenario for every request it applies to. Default `{ kind: "normal" }`. */
  scenario?: DoubleScenario;
  /** Requests declaring an older `x-client-version` get CLIENT_VERSION_TOO_LOW (40005). Default "2.0.0". */
  minClientVersion?: string;
  /** PoW difficulty of issued challenges (the real server uses 144000). Default 1000. */
  powDifficulty?: number;
  /** PoW validity window in ms. Default 300000. */
  powExpireAfterMs?: number;
  /** Completion streams a token may have open at once; more get the throttle hint. Default 2. */
  maxConcurrentStreams?: number;
  /** Prompts longer than this (in characters) get the input_exceeds_limit hint. Default: no limit. */
  maxPromptChars?: number;
  /** Answer chat_session/create with the older `biz_data.id` shape instead of `biz_data.chat_session.id`. */
  legacySessionShape?: boolean;
  /** Send `event: finish` before the end (capture A has it, the 2026-04-29 captures do not). Default true. */
  finishEvent?: boolean;
  /** Delay between SSE events, in ms. Default 0. */
  frameDelayMs?: number;
  /** A keep-alive comment after this many content frames. Default 30. */
  keepAliveEvery?: number;
  /** Seed of the token splitting. Default 1. */
  seed?: number;
  /** Clock in ms, for PoW expiry and timestamps. Default Date.now. */
  now?: () => number;
}

export interface IssuedChallenge {
  algorithm: string;
  challenge: string;
  salt: string;
  signature: string;
  difficulty: number;
  expire_at: number;
  expire_after: number;
  target_path: string;
  /** The answer the double picked (any n with a matching hash is accepted). */
  answer: number;
  /** Token that requested it. */
  token: string;
  /** Path and session of the request that spent it. */
  usedBy?: { path: string; sessionId?: string; messageId?: number };
}

export type PowRejection =
  | "missing"
  | "undecodable"
  | "unknown-challenge"
  | "bad-signature"
  | "wrong-target-path"
  | "expired"
  | "reused"
  | "wrong-answer";

export type MessageStatus = "WIP" | "FINISHED" | "INCOMPLETE" | "CONTENT_FILTER";

export interface DoubleMessage {
  id: number;
  role: "USER" | "ASSISTANT";
  parentId: number | null;
  /** The prompt, or the answer text produced so far. */
  text: string;
  thinking?: string;
  status?: MessageStatus;
}

export interface DoubleSession {
  id: string;
  token: string;
  accountId?: number;
  /** Fixed by the session's first message. */
  modelType: string;
  createdAt: number;
  updatedAt: number;
  deleted: boolean;
  messages: DoubleMessage[];
  /** What the next completion's `parent_message_id` must be. */
  lastResponseMessageId: number | null;
  /** Set by the first answer (its `title` event). */
  title: string | null;
}

export interface LoggedRequest {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  token?: string;
  /** What the double answered. */
  response?: {
    status: number;
    kind: "json" | "sse" | "html" | "dropped";
    code?: number;
    msg?: string;
    bizCode?: number;
    bizMsg?: string;
  };
  powRejection?: PowRejection;
  scenario?: DoubleScenario["kind"];
  /** "pending" while a stream is written; "aborted" when the client left first. */
  outcome: "pending" | "completed" | "aborted" | "dropped";
}

export interface DeepSeekDoubleState {
  accounts: DoubleAccount[];
  /** Bearer token → account id (undefined for tokens given in `options.tokens`). */
  tokens: Map<string, number | undefined>;
  sessions: Map<string, DoubleSession>;
  challenges: IssuedChallenge[];
  /** Open completion streams per token. */
  leases: Map<string, number>;
  /** The most completion streams each token ever had open at once (tests of per-account limits assert on it). */
  peakLeases: Map<string, number>;
  requests: LoggedRequest[];
}

export interface DeepSeekDouble {
  /** `http://127.0.0.1:<port>`: the provider's base URL (paths start with `/api/v0/`). */
  readonly url: string;
  readonly state: DeepSeekDoubleState;
  /** Replace the default reply. */
  setReply(reply: ReplyScript): void;
  /** Replies taken, one each, by the next completions that reach the model. */
  queueReplies(...replies: ReplyScript[]): void;
  /** Replace the default scenario (undefined: back to normal). */
  setScenario(scenario: DoubleScenario | undefined): void;
  /** One-shot scenarios, each taken by the next request to its route. */
  queueScenario(...scenarios: DoubleScenario[]): void;
  addAccount(account: DoubleAccountInit): DoubleAccount;
  setAccountStatus(login: string, status: DoubleAccountStatus): void;
  /** Make a token invalid (40003 from then on). */
  revokeToken(token: string): void;
  /** Hold every completion stream after its snapshot frame until the returned function is called. */
  holdStreams(): () => void;
  /** Requests to one route, in arrival order. */
  requestsTo(route: DoubleRoute): LoggedRequest[];
  close(): Promise<void>;
}
