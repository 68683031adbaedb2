import { ToolshimError, UpstreamError, type OpenAIErrorBody } from "@toolshim/core";

/** Renders an error in one wire API's shape. Routes of other APIs (Anthropic) register their own. */
export type ErrorRenderer = (error: ToolshimError, requestId: string) => Response;

/** Headers that tell clients how to retry (openai-node and the AI SDK read them). */
export function retryHeaders(error: ToolshimError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error instanceof UpstreamError) {
    if (error.retryAfter !== undefined) headers["retry-after"] = String(Math.max(0, Math.ceil(error.retryAfter)));
    // A failure that will fail again (a bad upstream answer, not an outage) must not be retried by the SDKs.
    if (!error.retryable) headers["x-should-retry"] = "false";
  }
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
