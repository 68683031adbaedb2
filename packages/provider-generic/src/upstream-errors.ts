import { UpstreamError } from "@toolshim/core";
import { retryAfterSeconds } from "@toolshim/core/provider-utils";

/** The error message inside an upstream's error body, whatever shape the server uses. */
export function upstreamMessage(bodyText: string): string {
  let message: unknown;
  try {
    const body = JSON.parse(bodyText);
    // OpenAI/vLLM/LM Studio: {error:{message}}; Ollama: {error:"…"}; vLLM (old) {message}; FastAPI {detail}.
    message = body?.error?.message ?? body?.error ?? body?.message ?? body?.detail;
    if (message !== undefined && typeof message !== "string") message = JSON.stringify(message);
  } catch {
    message = undefined;
  }
  const text = typeof message === "string" && message.trim() !== "" ? message : bodyText;
  const trimmed = text.trim().replace(/\s+/g, " ");
  return trimmed === "" ? "(empty response body)" : trimmed.length > 500 ? `${trimmed.slice(0, 500)}…` : trimmed;
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date, in whole seconds. */
const TOOLS_MENTION = /\btools?\b|tool[_ ]?choice|tool[_ ]?call|function/i;
const CONTEXT_LENGTH = /context|too long|too many tokens|maximum .*tokens|exceeds?/i;

export interface ResponseErrorContext {
  provider: string;
  model: string;
  /** The request carried native tools: a 4xx that talks about tools is then a rejection of tools. */
  toolsSent: boolean;
}

/**
 * True when an upstream's error means "this model/server does not do native tools": a 4xx (Ollama, vLLM) or a 500
 * (llama.cpp without --jinja answers `500 tools param requires --jinja flag`) whose message talks about tools.
 */
export function isToolsRejection(status: number, message: string, context: ResponseErrorContext): boolean {
  const candidate = (status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status)) || status === 500;
  return context.toolsSent && candidate && TOOLS_MENTION.test(message);
}

/** The UpstreamError for a non-2xx upstream response; `message` is already redacted. */
export function errorFromStatus(status: number, headers: Headers, message: string, context: ResponseErrorContext): UpstreamError {
  const from = `${context.provider} (model ${context.model}) answered HTTP ${status}`;
  const base = { upstreamStatus: status };
  if (status === 429) {
    const retryAfter = retryAfterSeconds(headers);
    return new UpstreamError(`The upstream is rate limiting requests: ${from}: ${message}`, {
      ...base,
      status: 429,
      retryable: true,
      code: "rate_limited",
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
  }
  if (status === 401 || status === 403) {
    return new UpstreamError(
      `The upstream refused toolshim's credentials: ${from}: ${message}. Check the apiKey (and headers) configured for provider "${context.provider}".`,
      { ...base, status: 502, retryable: false, code: "upstream_auth_failed" },
    );
  }
  if (status === 408) {
    return new UpstreamError(`The upstream timed out: ${from}: ${message}`, { ...base, status: 504, retryable: true, code: "upstream_timeout" });
  }
  if (status >= 500) {
    return new UpstreamError(`The upstream failed: ${from}: ${message}`, { ...base, status: 502, retryable: true, code: "upstream_error" });
  }
  if (status === 404) {
    return new UpstreamError(
      `The upstream does not know this model or path: ${from}: ${message}. Check the provider's baseURL (usually ending in /v1) and model ids.`,
      { ...base, status: 502, retryable: false, code: "upstream_not_found" },
    );
  }
  if (status === 400 || status === 413 || status === 422) {
    const contextLength = CONTEXT_LENGTH.test(message);
    return new UpstreamError(`The upstream rejected the request: ${from}: ${message}`, {
      ...base,
      status: 400,
      retryable: false,
      code: contextLength ? "context_length_exceeded" : "upstream_bad_request",
    });
  }
  return new UpstreamError(`The upstream refused the request: ${from}: ${message}`, { ...base, status: 502, retryable: false, code: "upstream_error" });
}

/** Why fetch or a body read failed, as seen from Node's fetch (undici) and browsers. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const message = cause?.message ?? (error as Error)?.message ?? String(error);
  return code ? `${code}: ${message}` : message;
}

export function connectionError(error: unknown, provider: string, phase: "connect" | "stream"): UpstreamError {
  // Requests go out with `redirect: "error"` (see GenericStream.open): undici then reports "unexpected redirect".
  if (phase === "connect" && /redirect/i.test(networkReason(error))) {
    return new UpstreamError(
      `The upstream of provider "${provider}" answered with a redirect, which toolshim does not follow: set the provider's baseURL to the address it redirects to.`,
      { status: 502, retryable: false, code: "upstream_redirect", cause: error },
    );
  }
  const what =
    phase === "connect"
      ? `Could not reach the upstream of provider "${provider}"`
      : `The connection to the upstream of provider "${provider}" broke mid-response`;
  return new UpstreamError(`${what} (${networkReason(error)}).`, {
    status: 502,
    retryable: true,
    code: phase === "connect" ? "upstream_unreachable" : "upstream_connection_lost",
    cause: error,
  });
}

/**
 * The 504 for a timeout, saying which one fired and what had arrived: no first byte (no response headers) within the
 * limit, or no bytes for the limit after some had come. Measured in bytes read, so a slow but steady upstream is not
 * called silent.
 */
export function timeoutError(provider: string, phase: "first-byte" | "idle", ms: number, bytes = 0): UpstreamError {
  const what =
    phase === "first-byte"
      ? `The upstream of provider "${provider}" sent no first byte within ${ms} ms`
      : `The upstream of provider "${provider}" sent no bytes for ${ms} ms after ${bytes} bytes`;
  return new UpstreamError(`${what}. Raise the provider's timeout if the model is just slow.`, {
    status: 504,
    retryable: true,
    code: "upstream_timeout",
  });
}

export function malformedError(provider: string, detail: string): UpstreamError {
  return new UpstreamError(`The upstream of provider "${provider}" sent a malformed response: ${detail}`, {
    status: 502,
    retryable: true,
    code: "upstream_malformed",
  });
}
