import type { CanonicalEvent } from "../canonical.js";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import type { ChatCompletion } from "../chat/encode-chat-completion.js";
import { encodeChatCompletion } from "../chat/encode-chat-completion.js";
import { type ChatCompletionChunk, encodeChatCompletionChunks } from "../chat/encode-chat-completion-chunks.js";
import type { ChatCompletionContext, CompletionStats } from "./chat-completion-context.js";
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
  const request = decodeChatCompletionRequest(body);
  const { events, stats } = await runEngine(request, context);
  const options = { model: request.model, legacyFunctions: request.legacyFunctions === true };
  if (!request.stream) return { stream: false, response: await encodeChatCompletion(events, options), stats };

  const source = events[Symbol.asyncIterator]();
  const first = await source.next();
  const chunks = encodeChatCompletionChunks(primed(first, source), {
    ...options,
    includeUsage: request.includeUsage,
    argumentsInOneDelta: context.argumentsInOneDelta === true,
  });
  return { stream: true, chunks: closingBoth(chunks, source), stats };
}

async function* primed(
  first: IteratorResult<CanonicalEvent>,
  rest: AsyncIterator<CanonicalEvent>,
): AsyncGenerator<CanonicalEvent> {
  if (first.done) return;
  yield first.value;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * A generator that was never started ignores `return()`, which would leave the engine (and its upstream request)
 * open when a server drops the stream before reading it; this closes the engine too.
 */
function closingBoth<T>(outer: AsyncGenerator<T>, inner: AsyncIterator<unknown>): AsyncIterableIterator<T> {
  return {
    next: () => outer.next(),
    async return(value?: unknown) {
      await outer.return(undefined);
      await inner.return?.();
      return { done: true, value: value as T };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
