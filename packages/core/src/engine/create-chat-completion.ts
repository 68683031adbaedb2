import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import type { ChatCompletion } from "../chat/encode-chat-completion.js";
import { encodeChatCompletion } from "../chat/encode-chat-completion.js";
import { type ChatCompletionChunk, encodeChatCompletionChunks } from "../chat/encode-chat-completion-chunks.js";
import type { ChatCompletionContext, CompletionStats } from "./chat-completion-context.js";
import { readBatches } from "./batch-iterator.js";
import { batchThrough } from "./batch-through.js";
import { enforceStopSequences, withoutStopSequences } from "./enforce-stop-sequences.js";
import { runEngine } from "./run-engine.js";

export type ChatCompletionResult =
  | { stream: true; chunks: AsyncIterable<ChatCompletionChunk>; stats: CompletionStats }
  | { stream: false; response: ChatCompletion; stats: CompletionStats };

/**
 * The one entry point for `POST /v1/chat/completions`: decodes and validates the body (`InvalidRequestError` with
 * `param`), runs the engine and waits for its first event, so every failure before output is thrown (answer it with
 * a JSON error and its status); later failures are thrown from `chunks`. Stopping the iteration early (`return()`)
 * stops the upstream.
 */
export async function createChatCompletion(body: unknown, context: ChatCompletionContext): Promise<ChatCompletionResult> {
  const { request, stop } = withoutStopSequences(decodeChatCompletionRequest(body), "stop");
  const run = await runEngine(request, context);
  const { stats } = run;
  const events = stop.length > 0 ? enforceStopSequences(run.events, stop) : run.events;
  const options = { model: request.model, legacyFunctions: request.legacyFunctions === true };
  if (!request.stream) return { stream: false, response: await encodeChatCompletion(events, options), stats };

  const source = readBatches(events);
  const first = await source.next();
  const encodeOptions = {
    ...options,
    includeUsage: request.includeUsage,
    argumentsInOneDelta: context.argumentsInOneDelta === true,
  };
  // The encoder stays one async generator, fed per event; batchThrough hands on, in one batch, every chunk it makes
  // from one batch of events. Returning the chunks also returns the engine, even when the encoder never started.
  const chunks = batchThrough(source, first ?? [], (input) => encodeChatCompletionChunks(input, encodeOptions));
  return { stream: true, chunks, stats };
}
