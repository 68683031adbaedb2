import type { CanonicalEvent, Usage } from "../canonical.js";
import { ToolshimError } from "../errors.js";
import { generateCompletionId, systemFingerprintOf } from "./encode-ids.js";

export type ChatFinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "function_call";

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/**
 * The opening delta of a call carries id, type, name and an arguments string; continuations carry arguments, and with
 * `argumentsInOneDelta` also the call's id where an id-less delta could be taken for the first call's.
 */
export type ChatToolCallDelta =
  | { index: number; id: string; type: "function"; function: { name: string; arguments: string } }
  | { index: number; id?: string; function: { arguments: string } }
  /** A custom (freeform) tool's call: its raw input in `custom.input` instead of JSON arguments. */
  | { index: number; id: string; type: "custom"; custom: { name: string; input: string } }
  | { index: number; id?: string; custom: { input: string } };

export interface ChatCompletionChunkDelta {
  role?: "assistant";
  content?: string;
  reasoning_content?: string;
  tool_calls?: ChatToolCallDelta[];
  function_call?: { name?: string; arguments: string };
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionChunkDelta;
  logprobs: null;
  finish_reason: ChatFinishReason | null;
}

/** One `chat.completion.chunk` object as it goes on the wire. */
export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: ChatCompletionChunkChoice[];
  usage?: ChatCompletionUsage;
}

export interface ChatEncodeOptions {
  /** The model id the client asked for, echoed on every chunk. */
  model: string;
  /** Default: a fresh `chatcmpl-…` id. */
  id?: string;
  /** Unix seconds; default: now. */
  created?: number;
  /** Default: {@link systemFingerprintOf} the model, the same for every response of this build and model. */
  systemFingerprint?: string;
  /** Send the `{choices: [], usage}` chunk after the finish chunk (`stream_options.include_usage`). */
  includeUsage?: boolean;
  /** Encode the call as the legacy `function_call` (the client sent `functions`). */
  legacyFunctions?: boolean;
  /**
   * Hold each call until complete, then send it at once: the opening delta (arguments "") and one delta with the
   * complete arguments. For clients that mis-merge continuation deltas of parallel calls (LobeChat, pi-ai); a call that
   * never completes is then not sent.
   */
  argumentsInOneDelta?: boolean;
}

export function toChatCompletionUsage(usage: Usage | undefined): ChatCompletionUsage {
  const prompt = usage?.inputTokens ?? 0;
  const completion = usage?.outputTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedInputTokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
  };
}

/**
 * Canonical events → Chat Completions chunks: role first, one delta kind per chunk (text and tool calls never share
 * one), calls opened with index/id/type/name/arguments and continued with arguments only, one final chunk with an
 * empty delta and the finish reason, then the usage chunk when asked for.
 */
export async function* encodeChatCompletionChunks(
  events: AsyncIterable<CanonicalEvent>,
  options: ChatEncodeOptions,
): AsyncGenerator<ChatCompletionChunk> {
  const encoder = new ChatChunkEncoder(options);
  const out: ChatCompletionChunk[] = [];
  for await (const event of events) {
    encoder.push(event, out);
    yield* out;
    out.length = 0;
    if (encoder.finished) return;
  }
  encoder.end();
}

/**
 * The same encoder as a synchronous state machine: `push` appends the chunks one event makes to `out`. Streams encode
 * whole batches of events with it (one upstream read's worth at a time) without a promise per event. Events after the
 * finish are ignored; `end()` throws when the events stopped before a finish.
 */
export class ChatChunkEncoder {
  readonly #options: ChatEncodeOptions;
  readonly #id: string;
  readonly #created: number;
  readonly #fingerprint: string;
  readonly #held = new Map<number, { id: string; name: string; custom: boolean }>();
  readonly #customCalls = new Set<number>();
  #usage: Usage | undefined;
  #started = false;
  #finished = false;

  constructor(options: ChatEncodeOptions) {
    this.#options = options;
    this.#id = options.id ?? generateCompletionId();
    this.#created = options.created ?? Math.floor(Date.now() / 1000);
    this.#fingerprint = options.systemFingerprint ?? systemFingerprintOf(options.model);
  }

  /** Whether the finish chunk has been made. */
  get finished(): boolean {
    return this.#finished;
  }

  push(event: CanonicalEvent, out: ChatCompletionChunk[]): void {
    if (this.#finished) return;
    const options = this.#options;
    if (!this.#started && event.type !== "usage") {
      this.#started = true;
      out.push(this.#chunk({ role: "assistant", content: "" }));
    }
    switch (event.type) {
      case "text":
        if (event.text !== "") out.push(this.#chunk({ content: event.text }));
        break;
      case "reasoning":
        if (event.text !== "") out.push(this.#chunk({ reasoning_content: event.text }));
        break;
      case "tool-call-start": {
        const custom = event.custom === true;
        if (custom) this.#customCalls.add(event.index);
        if (options.argumentsInOneDelta) this.#held.set(event.index, { id: event.id, name: event.name, custom });
        else out.push(this.#chunk(openingDelta(options, event.index, event.id, event.name, custom)));
        break;
      }
      case "tool-call-delta":
        if (!options.argumentsInOneDelta && event.argumentsDelta !== "") {
          out.push(
            this.#chunk(
              options.legacyFunctions
                ? { function_call: { arguments: event.argumentsDelta } }
                : { tool_calls: [continuation(event.index, undefined, event.argumentsDelta, this.#customCalls.has(event.index))] },
            ),
          );
        }
        break;
      case "tool-call-end": {
        const call = this.#held.get(event.index);
        if (!call) break;
        // Arguments in the opening delta would be counted twice by the accumulation loop of OpenAI's function-calling
        // guide (it stores the opening delta, then appends every delta's arguments, the opening one's included).
        out.push(this.#chunk(openingDelta(options, event.index, call.id, call.name, call.custom)));
        if (event.arguments !== "") out.push(this.#chunk(wholeArgumentsDelta(options, event.index, call.id, event.arguments, call.custom)));
        break;
      }
      case "usage":
        this.#usage = event.usage;
        break;
      case "finish": {
        this.#finished = true;
        const reason = event.reason === "tool_calls" && options.legacyFunctions ? "function_call" : event.reason;
        out.push(this.#chunk({}, reason));
        if (options.includeUsage) {
          out.push({
            id: this.#id,
            object: "chat.completion.chunk",
            created: this.#created,
            model: options.model,
            system_fingerprint: this.#fingerprint,
            choices: [],
            usage: toChatCompletionUsage(this.#usage),
          });
        }
        break;
      }
    }
  }

  /** The events ended: an error unless the finish chunk was made. */
  end(): void {
    // The engine always ends with "finish" or throws; a bare end would leave clients without a finish_reason.
    if (!this.#finished) throw new ToolshimError("The response ended without a finish reason.", { status: 502, code: "incomplete_response" });
  }

  #chunk(delta: ChatCompletionChunkDelta, finishReason: ChatFinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#options.model,
      system_fingerprint: this.#fingerprint,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }
}

function openingDelta(options: ChatEncodeOptions, index: number, id: string, name: string, custom: boolean): ChatCompletionChunkDelta {
  if (options.legacyFunctions) return { function_call: { name, arguments: "" } };
  if (custom) return { tool_calls: [{ index, id, type: "custom", custom: { name, input: "" } }] };
  return { tool_calls: [{ index, id, type: "function", function: { name, arguments: "" } }] };
}

function continuation(index: number, id: string | undefined, text: string, custom: boolean): ChatToolCallDelta {
  const body = custom ? { custom: { input: text } } : { function: { arguments: text } };
  return id === undefined ? { index, ...body } : { index, id, ...body };
}

/**
 * The complete arguments of a held call. Calls after the first name their id: LobeChat fills an id-less delta with the
 * first call's id. The first call's is left id-less, as OpenAI sends it, since older LangChain concatenates repeated ids.
 */
function wholeArgumentsDelta(options: ChatEncodeOptions, index: number, id: string, args: string, custom: boolean): ChatCompletionChunkDelta {
  if (options.legacyFunctions) return { function_call: { arguments: args } };
  return { tool_calls: [continuation(index, index === 0 ? undefined : id, args, custom)] };
}
