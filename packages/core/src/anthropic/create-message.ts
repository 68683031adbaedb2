import type { ChatCompletionContext, CompletionStats } from "../engine/chat-completion-context.js";
import { enforceStopSequences, withoutStopSequences } from "../engine/enforce-stop-sequences.js";
import { runEngine } from "../engine/run-engine.js";
import { closingSource, primeEvents } from "../responses/prime-events.js";
import { decodeMessagesRequest } from "./decode-messages-request.js";
import { collectMessage, streamMessageEvents } from "./encode-message.js";
import { estimateInputTokens } from "./estimate-input-tokens.js";
import { type AnthropicMessage, type AnthropicStreamEvent, MessageEncoder } from "./message-encoder.js";

export type MessageResult =
  | { stream: true; events: AsyncIterable<AnthropicStreamEvent>; stats: CompletionStats }
  | { stream: false; message: AnthropicMessage; stats: CompletionStats };

/**
 * The one entry point for `POST /v1/messages`: decodes the body, runs the engine and waits for its first event, so
 * every failure before output is thrown (answer it with `toAnthropicError`). A streaming failure after that ends the
 * stream with an `error` event. Stopping the iteration early (`return()`) stops the upstream.
 */
export async function createMessage(body: unknown, context: ChatCompletionContext): Promise<MessageResult> {
  const decoded = decodeMessagesRequest(body);
  const { request, stop } = withoutStopSequences(decoded.request, "stop_sequences");
  const encoder = new MessageEncoder({ model: request.model, thinking: decoded.thinking, estimatedInputTokens: estimateInputTokens(request) });
  const run = await runEngine(request, context);
  const { stats } = run;
  const events = stop.length > 0 ? enforceStopSequences(run.events, stop) : run.events;
  if (!request.stream) return { stream: false, message: await collectMessage(events, encoder), stats };
  const primed = await primeEvents(events);
  return { stream: true, events: closingSource(streamMessageEvents(primed.events, encoder, context.requestId), primed.close), stats };
}

/** `POST /v1/messages/count_tokens`: an estimate, see `estimateInputTokens`. */
export function countMessageTokens(body: unknown): { input_tokens: number } {
  const { request } = decodeMessagesRequest(body, { forCounting: true });
  return { input_tokens: estimateInputTokens(request) };
}
