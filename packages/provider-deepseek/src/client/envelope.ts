import { DeepSeekFailure, versionTooLow } from "./deepseek-failure.js";

export interface EnvelopeContext {
  /** What the call was for, as a user reads it: "create a chat session". */
  operation: string;
  clientVersion: string;
}

const INVALID_TOKEN_CODES = new Set([40001, 40002, 40003]);
const TOKEN_WORDS = /token|unauthori[sz]ed|expired|not login|login required|invalid jwt/i;

/**
 * Reads a JSON-envelope answer (`{code, msg, data: {biz_code, biz_msg, biz_data}}`) and returns `biz_data`, or throws
 * the typed failure it reports. Failures usually come with HTTP 200, so the status alone proves nothing.
 */
export async function readEnvelope(response: Response, context: EnvelopeContext): Promise<Record<string, unknown>> {
  const text = await response.text();
  const blocked = blockedFailure(response, text, context);
  if (blocked) throw blocked;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw nonJsonFailure(response, text, context);
  }
  const failure = envelopeFailure(json, response.status, context);
  if (failure) throw failure;
  const data = (json as { data?: { biz_data?: unknown } }).data;
  const bizData = data?.biz_data;
  return typeof bizData === "object" && bizData !== null ? (bizData as Record<string, unknown>) : {};
}

/** AWS WAF in front of DeepSeek answers 202 or an HTML page, with `x-amzn-waf-action`. */
export function blockedFailure(response: Response, text: string, context: EnvelopeContext): DeepSeekFailure | undefined {
  const contentType = response.headers.get("content-type") ?? "";
  const waf = response.headers.get("x-amzn-waf-action");
  const html = contentType.includes("text/html") || /^\s*<(!doctype|html)/i.test(text);
  if (!waf && !html && response.status !== 202) return undefined;
  return new DeepSeekFailure(
    "blocked",
    `DeepSeek's edge firewall blocked the request to ${context.operation} (HTTP ${response.status}${waf ? `, x-amzn-waf-action: ${waf}` : ""}). ` +
      "The server's IP address or HTTP client is being refused; route the provider through another network or proxy.",
    { upstreamStatus: response.status, upstreamMessage: waf ?? `HTTP ${response.status} ${html ? "HTML page" : "without JSON"}` },
  );
}

export function nonJsonFailure(response: Response, text: string, context: EnvelopeContext): DeepSeekFailure {
  if (text.includes("INVALID_POW_RESPONSE")) return powRejected("INVALID_POW_RESPONSE", response.status);
  if (response.status === 401 || response.status === 403) return invalidToken(`HTTP ${response.status}`, response.status);
  if (response.status === 429) return rateLimited(`HTTP ${response.status}`, response.status);
  return new DeepSeekFailure(
    "upstream",
    `DeepSeek answered HTTP ${response.status} with something that is not JSON while trying to ${context.operation}.`,
    { upstreamStatus: response.status, upstreamMessage: text.slice(0, 200) },
  );
}

/** The failure an envelope reports, or undefined for success. */
export function envelopeFailure(json: unknown, httpStatus: number, context: EnvelopeContext): DeepSeekFailure | undefined {
  if (typeof json !== "object" || json === null) {
    return new DeepSeekFailure("upstream", `DeepSeek sent an unexpected answer while trying to ${context.operation}.`, {
      upstreamStatus: httpStatus,
    });
  }
  const envelope = json as { code?: unknown; msg?: unknown; data?: unknown; detail?: unknown };
  const code = typeof envelope.code === "number" ? envelope.code : undefined;
  const msg = typeof envelope.msg === "string" ? envelope.msg : "";
  if (code !== undefined && code !== 0) return codeFailure(code, msg, httpStatus, context);
  if (code === undefined && envelope.detail !== undefined) {
    // FastAPI-style 422: a body field the server requires is missing, i.e. the web protocol moved on.
    return new DeepSeekFailure(
      "upstream",
      `DeepSeek rejected the request shape while trying to ${context.operation} (HTTP ${httpStatus}); the web protocol has probably changed.`,
      { upstreamStatus: httpStatus, upstreamMessage: JSON.stringify(envelope.detail).slice(0, 200) },
    );
  }
  const data = typeof envelope.data === "object" && envelope.data !== null ? (envelope.data as Record<string, unknown>) : {};
  const bizCode = typeof data.biz_code === "number" ? data.biz_code : 0;
  const bizMsg = typeof data.biz_msg === "string" ? data.biz_msg : "";
  if (bizCode !== 0) return bizFailure(bizCode, bizMsg, data.biz_data, httpStatus, context);
  const byStatus = statusFailure(httpStatus, `HTTP ${httpStatus}`);
  if (byStatus) return byStatus;
  if (httpStatus >= 400) {
    return new DeepSeekFailure("upstream", `DeepSeek answered HTTP ${httpStatus} while trying to ${context.operation}.`, {
      upstreamStatus: httpStatus,
      upstreamMessage: msg,
    });
  }
  return undefined;
}

function codeFailure(code: number, msg: string, httpStatus: number, context: EnvelopeContext): DeepSeekFailure {
  const said = `${code} ${msg}`.trim();
  if (code === 40005 || msg.includes("CLIENT_VERSION_TOO_LOW")) return versionTooLow(context.clientVersion, said, httpStatus);
  if (INVALID_TOKEN_CODES.has(code) || TOKEN_WORDS.test(msg)) return invalidToken(said, httpStatus);
  if (code === 40029) return rateLimited(said, httpStatus);
  if (code === 40300 || msg.includes("INVALID_POW")) return powRejected(said, httpStatus);
  return statusFailure(httpStatus, said) ?? new DeepSeekFailure("upstream", `DeepSeek refused to ${context.operation}: ${said}.`, {
    upstreamStatus: httpStatus,
    upstreamMessage: said,
  });
}

function bizFailure(bizCode: number, bizMsg: string, bizData: unknown, httpStatus: number, context: EnvelopeContext): DeepSeekFailure {
  const said = `${bizCode} ${bizMsg}`.trim();
  const details = { upstreamStatus: httpStatus, upstreamMessage: said };
  switch (bizCode) {
    case 2:
      return new DeepSeekFailure("wrong_password", "DeepSeek refused the login: wrong email, mobile or password.", details);
    case 5: {
      if (/muted/i.test(bizMsg) || muteUntilOf(bizData) !== undefined) {
        const muteUntil = muteUntilOf(bizData);
        return new DeepSeekFailure(
          "muted",
          `DeepSeek muted this account${muteUntil ? ` until ${new Date(muteUntil).toISOString()}` : ""}.`,
          { ...details, ...(muteUntil !== undefined ? { muteUntil } : {}) },
        );
      }
      break;
    }
    case 7:
      return rateLimited(said, httpStatus);
    case 10:
      return new DeepSeekFailure("banned", "DeepSeek banned this account (USER_IS_BANNED).", details);
    case 11:
      return new DeepSeekFailure(
        "login_rejected",
        "DeepSeek refused the login from this device (RISK_DEVICE_DETECTED); configure the account's token instead of a password.",
        details,
      );
    case 1:
      return new DeepSeekFailure("invalid_session", `DeepSeek no longer knows the chat session (${said}).`, details);
  }
  if (bizMsg.includes("INVALID_POW")) return powRejected(said, httpStatus);
  if (/chat.?session/i.test(bizMsg) && /invalid|illegal/i.test(bizMsg)) {
    return new DeepSeekFailure("invalid_session", `DeepSeek no longer knows the chat session (${said}).`, details);
  }
  if (TOKEN_WORDS.test(bizMsg)) return invalidToken(said, httpStatus);
  return statusFailure(httpStatus, said) ?? new DeepSeekFailure("upstream", `DeepSeek refused to ${context.operation}: ${said}.`, details);
}

/** For codes the reference does not know, the HTTP status still tells throttling and auth failures apart. */
function statusFailure(httpStatus: number, said: string): DeepSeekFailure | undefined {
  if (httpStatus === 429) return rateLimited(said, httpStatus);
  if (httpStatus === 401 || httpStatus === 403) return invalidToken(said, httpStatus);
  return undefined;
}

export function invalidToken(said: string, upstreamStatus?: number): DeepSeekFailure {
  return new DeepSeekFailure("invalid_token", "DeepSeek rejected the account's token (it expired or was revoked).", {
    upstreamMessage: said,
    ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
  });
}

export function rateLimited(said: string, upstreamStatus?: number): DeepSeekFailure {
  return new DeepSeekFailure("rate_limited", "DeepSeek is throttling this account (messages too frequent).", {
    upstreamMessage: said,
    ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
  });
}

export function powRejected(said: string, upstreamStatus?: number): DeepSeekFailure {
  return new DeepSeekFailure("pow_rejected", "DeepSeek rejected the proof-of-work answer.", {
    upstreamMessage: said,
    ...(upstreamStatus !== undefined ? { upstreamStatus } : {}),
  });
}

/** `mute_until` in seconds or milliseconds, as epoch ms. */
export function muteUntilOf(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const raw = record.mute_until ?? (typeof record.chat === "object" && record.chat !== null ? (record.chat as Record<string, unknown>).mute_until : undefined);
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw <= 0) return undefined;
  return raw < 1e11 ? Math.round(raw * 1000) : Math.round(raw);
}
