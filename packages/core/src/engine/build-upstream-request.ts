import type { CanonicalMessage, CanonicalRequest } from "../canonical.js";
import type { Dialect } from "../dialect/dialect.js";
import { rewriteForEmulation } from "../dialect/rewrite-for-emulation.js";
import type { UpstreamRequest } from "../upstream.js";
import type { ChatCompletionContext } from "./chat-completion-context.js";

export interface UpstreamRequestParts {
  dialect: Dialect;
  /** The request's nonce: every attempt's prompt carries the same one, so a repair turn can quote it. */
  nonce: string;
  context: Pick<ChatCompletionContext, "upstreamModel" | "requestId" | "systemRole">;
}

/**
 * What one attempt sends upstream: the conversation plus the repair turns so far, either rewritten with the tool
 * instructions (emulate) or with the tools passed through as they are (native).
 */
export function buildUpstreamRequest(
  request: CanonicalRequest,
  repairTurns: readonly CanonicalMessage[],
  mode: "native" | "emulate",
  { dialect, nonce, context }: UpstreamRequestParts,
): UpstreamRequest {
  const messages = [...request.messages, ...repairTurns];
  const upstreamRequest: UpstreamRequest = { model: context.upstreamModel, messages, options: request.options };
  if (context.requestId !== undefined) upstreamRequest.requestId = context.requestId;
  if (mode === "emulate") {
    upstreamRequest.messages = rewriteForEmulation({ ...request, messages }, { dialect, nonce, systemRole: context.systemRole ?? true });
    return upstreamRequest;
  }
  if (request.tools.length > 0) {
    upstreamRequest.tools = request.tools;
    upstreamRequest.toolChoice = request.toolChoice;
    upstreamRequest.parallelToolCalls = request.parallelToolCalls;
  }
  if (request.responseFormat) upstreamRequest.responseFormat = request.responseFormat;
  return upstreamRequest;
}
