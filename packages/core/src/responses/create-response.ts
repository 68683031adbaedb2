import type { ChatCompletionContext, CompletionStats } from "../engine/chat-completion-context.js";
import { runEngine } from "../engine/run-engine.js";
import { type DecodeResponsesOptions, type ResponsesResolver, decodeResponsesRequest } from "./decode-responses-request.js";
import { collectResponse, streamResponseEvents } from "./encode-response.js";
import { closingSource, primeEvents } from "./prime-events.js";
import { ResponseEncoder, type ResponseStreamEvent } from "./response-encoder.js";
import type { ResponseItem, ResponseObject } from "./response-types.js";

interface ResponseResultBase {
  /** The Response; while streaming, a snapshot that is final once `events` ended. */
  response: ResponseObject;
  /** This request's own input items (references resolved), to keep with the response when `store` is true. */
  input: ResponseItem[];
  store: boolean;
  /** Tool types left out under `unsupportedTools: "ignore"`. */
  ignoredTools: string[];
  stats: CompletionStats;
}

export type ResponseResult =
  | (ResponseResultBase & { stream: true; events: AsyncIterable<ResponseStreamEvent> })
  | (ResponseResultBase & { stream: false });

/**
 * The one entry point for `POST /v1/responses`: decodes the body (resolving `item_reference` and
 * `previous_response_id` through `resolver`), runs the engine and waits for its first event, so every failure before
 * output is thrown (answer it with a JSON error and its status). A streaming failure after that ends the stream with
 * `error` + `response.failed`. Stopping the iteration early (`return()`) stops the upstream.
 */
export async function createResponse(
  body: unknown,
  context: ChatCompletionContext,
  resolver?: ResponsesResolver,
  options?: DecodeResponsesOptions,
): Promise<ResponseResult> {
  const decoded = await decodeResponsesRequest(body, resolver, options);
  const encoder = new ResponseEncoder({ echo: decoded.echo });
  const { events, stats } = await runEngine(decoded.request, context);
  const base = { response: encoder.response, input: decoded.input, store: decoded.store, ignoredTools: decoded.ignoredTools, stats };
  if (!decoded.request.stream) {
    await collectResponse(events, encoder);
    return { ...base, stream: false };
  }
  const primed = await primeEvents(events);
  return { ...base, stream: true, events: closingSource(streamResponseEvents(primed.events, encoder), primed.close) };
}
