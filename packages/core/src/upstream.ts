import type {
  CanonicalMessage,
  GenerationOptions,
  ResponseFormat,
  ToolChoice,
  ToolDefinition,
} from "./canonical.js";
import { ToolshimError } from "./errors.js";

/**
 * The one interface a provider implements. Small on purpose: a web-chat provider implements `stream` and declares
 * what its models can do.
 */
export interface Upstream {
  readonly name: string;
  listModels(): Promise<UpstreamModel[]>;
  /**
   * How `model` handles tools. "native": the engine passes tools through and maps native deltas; "emulate": the
   * engine renders tools into the prompt and parses the text. Absent means "emulate".
   */
  toolMode?(model: string): "native" | "emulate";
  /**
   * Told by the engine when a model in native mode answered with tool-call markup in its text instead of native
   * calls, so an "auto" provider can switch that model to emulation.
   */
  noteToolsIgnored?(model: string): void;
  stream(request: UpstreamRequest, signal: AbortSignal): AsyncIterable<UpstreamEvent>;
  /** Release accounts, sessions, sockets. */
  close?(): Promise<void>;
}

export interface UpstreamModel {
  id: string;
  ownedBy?: string;
  capabilities: {
    nativeTools: boolean;
    reasoning: boolean;
    /** False when the upstream takes no system role; the engine then folds system text into the first user turn. */
    systemRole: boolean;
    vision: boolean;
  };
}

export interface UpstreamRequest {
  /** The upstream's own model id. */
  model: string;
  /**
   * When emulating: only `system`, `user` and `assistant` messages with text content (tool calls and results were
   * rewritten into text by core). When native: the canonical messages as the client sent them.
   */
  messages: CanonicalMessage[];
  /** Only in native mode. */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  options: GenerationOptions;
  /** Ties the upstream call to the client request in logs. */
  requestId?: string;
}

export type UpstreamEvent =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "native-tool-call"; index: number; id?: string; name?: string; argumentsDelta: string }
  | { type: "usage"; inputTokens?: number; outputTokens?: number; reasoningTokens?: number }
  | { type: "end"; reason: "stop" | "length" | "content-filter" | "tool-calls" };

export interface UpstreamErrorOptions {
  /** HTTP status toolshim should answer with (429, 502, 504, 400 for input too long, …). */
  status: number;
  /** Whether trying again (possibly on another account) may succeed. */
  retryable: boolean;
  /** A stable machine-readable code, e.g. "rate_limited", "invalid_token", "tools_unsupported". */
  code?: string;
  /** Seconds the client should wait before retrying, when the upstream said so. */
  retryAfter?: number;
  /** The status the upstream itself answered with, if any. */
  upstreamStatus?: number;
  cause?: unknown;
}

/** A failure of the upstream, with a message a user can act on. */
export class UpstreamError extends ToolshimError {
  readonly retryable: boolean;
  readonly retryAfter?: number;
  readonly upstreamStatus?: number;

  constructor(message: string, options: UpstreamErrorOptions) {
    super(message, {
      status: options.status,
      type: options.status === 429 ? "rate_limit_error" : options.status < 500 ? "invalid_request_error" : "server_error",
      code: options.code ?? null,
      cause: options.cause,
    });
    this.name = "UpstreamError";
    this.retryable = options.retryable;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus;
  }
}
