import { UpstreamError } from "@toolshim/core";

/**
 * Every way a DeepSeek call fails, as the provider reacts to it. `kind` drives the retry logic (log in again, rotate
 * accounts, fresh PoW); `status` / `code` are what the client sees if the failure is the last word.
 */
export type FailureKind =
  | "invalid_token"
  | "version_too_low"
  | "pow_rejected"
  | "rate_limited"
  | "empty_output"
  | "busy"
  | "muted"
  | "banned"
  | "wrong_password"
  | "login_rejected"
  | "invalid_session"
  | "input_too_long"
  | "unsupported_input"
  | "unknown_model"
  | "blocked"
  | "stream_truncated"
  | "upstream";

const SHAPE: Record<FailureKind, { status: number; code: string; retryable: boolean }> = {
  invalid_token: { status: 502, code: "invalid_token", retryable: true },
  version_too_low: { status: 502, code: "client_version_too_low", retryable: false },
  pow_rejected: { status: 502, code: "pow_rejected", retryable: true },
  rate_limited: { status: 429, code: "rate_limited", retryable: true },
  empty_output: { status: 429, code: "upstream_empty_output", retryable: true },
  busy: { status: 429, code: "account_busy", retryable: true },
  muted: { status: 503, code: "account_muted", retryable: true },
  banned: { status: 503, code: "account_banned", retryable: false },
  wrong_password: { status: 503, code: "wrong_password", retryable: false },
  login_rejected: { status: 503, code: "login_rejected", retryable: false },
  invalid_session: { status: 502, code: "invalid_session", retryable: true },
  input_too_long: { status: 400, code: "context_length_exceeded", retryable: false },
  unsupported_input: { status: 400, code: "unsupported_content", retryable: false },
  unknown_model: { status: 404, code: "model_not_found", retryable: false },
  blocked: { status: 502, code: "upstream_blocked", retryable: false },
  stream_truncated: { status: 502, code: "upstream_stream_truncated", retryable: true },
  upstream: { status: 502, code: "upstream_error", retryable: true },
};

export interface FailureDetails {
  /** The upstream's own words (code / msg / biz_msg / hint text): safe to log, shown in /health. */
  upstreamMessage?: string;
  upstreamStatus?: number;
  /** Epoch ms a mute ends. */
  muteUntil?: number;
  retryAfter?: number;
  cause?: unknown;
}

export class DeepSeekFailure extends UpstreamError {
  readonly kind: FailureKind;
  readonly upstreamMessage?: string;
  readonly muteUntil?: number;

  constructor(kind: FailureKind, message: string, details: FailureDetails = {}) {
    const shape = SHAPE[kind];
    super(message, {
      status: shape.status,
      code: shape.code,
      retryable: shape.retryable,
      ...(details.retryAfter !== undefined ? { retryAfter: details.retryAfter } : {}),
      ...(details.upstreamStatus !== undefined ? { upstreamStatus: details.upstreamStatus } : {}),
      cause: details.cause,
    });
    this.name = "DeepSeekFailure";
    this.kind = kind;
    if (details.upstreamMessage !== undefined) this.upstreamMessage = details.upstreamMessage;
    if (details.muteUntil !== undefined) this.muteUntil = details.muteUntil;
  }
}

/** Where the message telling a user how to fix a version rejection points. */
export const CLIENT_VERSION_KEY = "headers.clientVersion";

export function versionTooLow(clientVersion: string, upstreamMessage: string, upstreamStatus?: number): DeepSeekFailure {
  return new DeepSeekFailure(
    "version_too_low",
    `DeepSeek turned away client version ${clientVersion} (CLIENT_VERSION_TOO_LOW). Set the deepseek provider's ` +
      `\`${CLIENT_VERSION_KEY}\` option to the current DeepSeek app version (and \`headers.userAgent\` if you set it), then restart.`,
    { upstreamMessage, ...(upstreamStatus !== undefined ? { upstreamStatus } : {}) },
  );
}
