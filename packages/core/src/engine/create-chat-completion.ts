import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import type { ChatCompletion } from "../chat/encode-chat-completion.js";
import { encodeChatCompletion } from "../chat/encode-chat-completion.js";
import { ChatChunkEncoder, type ChatCompletionChunk } from "../chat/encode-chat-completion-chunks.js";
import type { CanonicalEvent } from "../canonical.js";
import type { ChatCompletionContext, CompletionStats } from "./chat-completion-context.js";
import { BatchSource, type BatchReader, readBatches } from "./batch-iterator.js";
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
  const chunks = new EncodedChunks(source, first ?? [], new ChatChunkEncoder(encodeOptions));
  return { stream: true, chunks, stats };
}

/**
 * Each batch of engine events (one upstream read's worth) becomes one batch of chunks, encoded synchronously: no
 * promise per event or per chunk. Returning the chunks returns the engine, even before the first batch was read.
 */
class EncodedChunks extends BatchSource<ChatCompletionChunk> {
  #first: CanonicalEvent[] | undefined;

  constructor(
    private readonly source: BatchReader<CanonicalEvent>,
    first: CanonicalEvent[],
    private readonly encoder: ChatChunkEncoder,
  ) {
    super();
    this.#first = first;
  }

  protected pull(): Promise<ChatCompletionChunk[] | undefined> {
    if (this.encoder.finished) return Promise.resolve(undefined);
    const first = this.#first;
    if (first !== undefined) {
      this.#first = undefined;
      return Promise.resolve(this.#encode(first));
    }
    return this.source.next().then(this.#encode);
  }

  protected close(): Promise<void> {
    return this.source.return();
  }

  readonly #encode = (events: CanonicalEvent[] | undefined): ChatCompletionChunk[] | undefined => {
    if (events === undefined) {
      this.encoder.end();
      return undefined;
    }
    const out: ChatCompletionChunk[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as CanonicalEvent;
      if ((event.type !== "text" && event.type !== "reasoning") || events[i + 1]?.type !== event.type) {
        this.encoder.push(event, out);
        continue;
      }
      // Text that arrived in one upstream read goes out as one delta: nothing waits for it (the batch is all here),
      // and a client parses one chunk instead of one per token of the burst.
      let text = event.text;
      while (events[i + 1]?.type === event.type) text += (events[++i] as { text: string }).text;
      this.encoder.push({ type: event.type, text }, out);
    }
    return out;
  };
}
