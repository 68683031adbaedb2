import { UpstreamError } from "@toolshim/core";

/**
 * Every way Qwen Chat says no, as a typed UpstreamError whose message says what to do (protocol reference §10, §11).
 * `kind` tells the provider what to do with the account: rest it, log in again, or nothing.
 */
export type FailureKind = "waf" | "rate_limited" | "quota" | "auth" | "other";

export class QwenFailure extends UpstreamError {
  readonly kind: FailureKind;
  /** For waf / rate_limited / quota: how long the account should rest, in ms (undefined: the configured default). */
  readonly restMs?: number;

  constructor(message: string, options: ConstructorParameters<typeof UpstreamError>[1] & { kind?: FailureKind; restMs?: number }) {
    super(message, options);
    this.kind = options.kind ?? "other";
    if (options.restMs !== undefined) this.restMs = options.restMs;
  }
}

const WAF_MARKERS = /FAIL_SYS_USER_VALIDATE|RGV587|_____tmd_____|punish|x5sec|baxia|captcha|aliyun_waf|人机验证|滑块/i;
const CONTENT_FILTER = /data_inspection|inappropriate|sensitive|content[_ ]?(security|filter|policy|moderation)|risk_content/i;

export interface FailureContext {
  /** The account's label ("alice@example.com" or "account 2"); never a credential. */
  account: string;
  /** What toolshim was doing ("signing in", "creating a chat", "streaming"). */
  step: string;
  redact(text: string): string;
}

/** True when a body (JSON or HTML) is the WAF's human-verification answer. */
export function isWafBody(text: string): boolean {
  return WAF_MARKERS.test(text);
}

export function wafFailure(context: FailureContext): QwenFailure {
  return new QwenFailure(
    `Qwen Chat asked for human verification (a captcha from its web application firewall) while ${context.step} with account "${context.account}". ` +
      "toolshim cannot solve it: sign in to https://chat.qwen.ai in a browser as this account from the same IP, complete the slider, then retry; " +
      "if it keeps coming back, send fewer requests, add accounts, or use another IP. The account rests meanwhile.",
    { status: 503, retryable: false, code: "human_verification_required", kind: "waf" },
  );
}

/** A business error (`{success:false, data:{code, details, num}}` or an in-stream `{error:{code, details}}`). */
export function businessFailure(code: string, details: string, context: FailureContext, num?: number): QwenFailure {
  const said = context.redact(`${code}${details ? `: ${details}` : ""}`).slice(0, 300);
  const where = `account "${context.account}", ${context.step}`;
  if (isWafBody(`${code} ${details}`)) return wafFailure(context);
  if (/^RateLimited$/i.test(code) || /quota|daily|usage limit/i.test(`${code} ${details}`)) {
    const retryAfter = num !== undefined && num > 0 ? Math.round(num * 3600) : undefined;
    return new QwenFailure(`Qwen Chat's quota for ${where} is used up (${said}).${retryAfter ? ` It resets in about ${num} h.` : ""} Add accounts or wait.`, {
      status: 429,
      retryable: true,
      code: "daily_quota_exhausted",
      kind: "quota",
      ...(retryAfter !== undefined ? { retryAfter, restMs: retryAfter * 1000 } : {}),
    });
  }
  if (/too_many|rate.?limit|throttl|in progress/i.test(`${code} ${details}`)) {
    return new QwenFailure(`Qwen Chat throttled ${where} (${said}). Retry shortly, or add accounts.`, { status: 429, retryable: true, code: "rate_limited", kind: "rate_limited" });
  }
  if (/context.?length|token.?limit|too long/i.test(`${code} ${details}`)) {
    return new QwenFailure(`The conversation is too long for Qwen Chat (${said}). Shorten it or drop old turns.`, { status: 400, retryable: false, code: "context_length_exceeded" });
  }
  if (/unauthori[sz]ed|forbidden|not authenticated|token/i.test(code) || /not authenticated|token (expired|invalid)/i.test(details)) {
    return new QwenFailure(`Qwen Chat refused the token of ${where} (${said}).`, { status: 502, retryable: false, code: "upstream_auth_failed", kind: "auth" });
  }
  if (CONTENT_FILTER.test(`${code} ${details}`)) {
    return new QwenFailure(`Qwen Chat's content filter refused the request (${said}). Rephrase it.`, { status: 400, retryable: false, code: "content_filtered" });
  }
  if (/internal error|overload|temporarily unavailable|busy/i.test(details)) {
    return new QwenFailure(`Qwen Chat failed (${said}); another attempt may succeed.`, { status: 502, retryable: true, code: "upstream_error" });
  }
  return new QwenFailure(`Qwen Chat refused the request (${said}) on ${where}. If this persists after an upgrade of the web app, see "When Qwen Chat changes" in the docs.`, {
    status: 400,
    retryable: false,
    code: "upstream_bad_request",
  });
}

/** The upstream answered in a shape this provider does not know: likely a new web-app release. */
export function changedShape(what: string, context: FailureContext): QwenFailure {
  return new QwenFailure(
    `Qwen Chat answered in an unknown format while ${context.step} (${context.redact(what).slice(0, 200)}). The web interface has probably changed: ` +
      'update toolshim, or adjust `protocol` in the provider config (see "When Qwen Chat changes" in the docs).',
    { status: 502, retryable: false, code: "upstream_changed" },
  );
}

/** A non-2xx answer, or a 2xx whose body is not the expected JSON. */
export function httpFailure(status: number, body: string, retryAfter: number | undefined, context: FailureContext): QwenFailure {
  if (isWafBody(body)) return wafFailure(context);
  const parsed = parseEnvelope(body);
  if (status === 429) {
    return new QwenFailure(`Qwen Chat throttled account "${context.account}" (HTTP 429) while ${context.step}. Retry later or add accounts.`, {
      status: 429,
      retryable: true,
      code: "rate_limited",
      kind: "rate_limited",
      upstreamStatus: status,
      ...(retryAfter !== undefined ? { retryAfter, restMs: retryAfter * 1000 } : {}),
    });
  }
  if (status === 401 || status === 403) {
    return new QwenFailure(`Qwen Chat refused the credentials of account "${context.account}" (HTTP ${status}) while ${context.step}.`, {
      status: 502,
      retryable: false,
      code: "upstream_auth_failed",
      kind: "auth",
      upstreamStatus: status,
    });
  }
  if (status >= 500) {
    return new QwenFailure(`Qwen Chat failed with HTTP ${status} while ${context.step}; another attempt may succeed.`, { status: 502, retryable: true, code: "upstream_error", upstreamStatus: status });
  }
  if (status === 404 || status === 405) return changedShape(`HTTP ${status} for an endpoint`, context);
  if (parsed) return businessFailure(parsed.code, parsed.details, context, parsed.num);
  return new QwenFailure(`Qwen Chat refused the request with HTTP ${status} while ${context.step}: ${context.redact(body.slice(0, 200))}`, {
    status: 400,
    retryable: false,
    code: "upstream_bad_request",
    upstreamStatus: status,
  });
}

/** `{success:false, data:{code, details|message, num}}` → its fields; anything else → undefined. */
export function parseEnvelope(text: string): { code: string; details: string; num?: number } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || value.success !== false) return undefined;
  const data = isRecord(value.data) ? value.data : {};
  const details = typeof data.details === "string" ? data.details : typeof data.message === "string" ? data.message : "";
  return { code: typeof data.code === "string" ? data.code : "unknown", details, ...(typeof data.num === "number" ? { num: data.num } : {}) };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
