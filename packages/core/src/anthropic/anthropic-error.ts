import { type ToolshimError, toToolshimError } from "../errors.js";

/** Anthropic's error body: what its SDK and Claude Code parse into typed errors. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id?: string;
}

/** Anthropic's `error.type` for an HTTP status (per its errors page; 503 is reported as overloaded, like its 529). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

/** Any thrown value as Anthropic's error body and the status to send it with. */
export function toAnthropicError(error: unknown, requestId?: string): { status: number; body: AnthropicErrorBody } {
  const failure: ToolshimError = toToolshimError(error);
  const body: AnthropicErrorBody = { type: "error", error: { type: anthropicErrorType(failure.status), message: failure.message } };
  if (requestId) body.request_id = requestId;
  return { status: failure.status, body };
}
