import type { ToolshimError, OpenAIErrorBody } from "@toolshim/core";

/** Renders an error in one wire API's shape. Routes of other APIs (Anthropic) register their own. */
export type ErrorRenderer = (error: ToolshimError, requestId: string) => Response;

/** Headers that tell clients how to retry (openai-node and the AI SDK read them). */
export function retryHeaders(error: ToolshimError): Record<string, string> {
  // UpstreamError and the engine's PolicyViolationError both say whether trying again can help.
  const { retryAfter, retryable } = error as ToolshimError & { retryAfter?: number; retryable?: boolean };
  const headers: Record<string, string> = {};
  if (typeof retryAfter === "number") headers["retry-after"] = String(Math.max(0, Math.ceil(retryAfter)));
  // A failure that will fail again (a reply that broke the tool rules, a rejected request) must not be retried.
  if (retryable === false && error.status >= 500) headers["x-should-retry"] = "false";
  return headers;
}

/** `{"error":{message,type,param,code}}` with the error's status: what every OpenAI client understands. */
export const renderOpenAIError: ErrorRenderer = (error) => {
  const body: OpenAIErrorBody = error.toOpenAI();
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { "content-type": "application/json", ...retryHeaders(error) },
  });
};
