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
  const id = options.id ?? generateCompletionId();
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const fingerprint = options.systemFingerprint ?? systemFingerprintOf(options.model);
  const chunk = (delta: ChatCompletionChunkDelta, finishReason: ChatFinishReason | null = null): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: options.model,
    system_fingerprint: fingerprint,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const held = new Map<number, { id: string; name: string; custom: boolean }>();
  const customCalls = new Set<number>();
  let usage: Usage | undefined;
  let started = false;

  for await (const event of events) {
    if (!started && event.type !== "usage") {
      started = true;
      yield chunk({ role: "assistant", content: "" });
    }
    switch (event.type) {
      case "text":
        if (event.text !== "") yield chunk({ content: event.text });
        break;
      case "reasoning":
        if (event.text !== "") yield chunk({ reasoning_content: event.text });
        break;
      case "tool-call-start": {
        const custom = event.custom === true;
        if (custom) customCalls.add(event.index);
        if (options.argumentsInOneDelta) held.set(event.index, { id: event.id, name: event.name, custom });
        else yield chunk(openingDelta(options, event.index, event.id, event.name, custom));
        break;
      }
      case "tool-call-delta":
        if (!options.argumentsInOneDelta && event.argumentsDelta !== "") {
          yield chunk(
            options.legacyFunctions
              ? { function_call: { arguments: event.argumentsDelta } }
              : { tool_calls: [continuation(event.index, undefined, event.argumentsDelta, customCalls.has(event.index))] },
          );
        }
        break;
      case "tool-call-end": {
        const call = held.get(event.index);
        if (!call) break;
        // Arguments in the opening delta would be counted twice by the accumulation loop of OpenAI's function-calling
        // guide (it stores the opening delta, then appends every delta's arguments, the opening one's included).
        yield chunk(openingDelta(options, event.index, call.id, call.name, call.custom));
        if (event.arguments !== "") yield chunk(wholeArgumentsDelta(options, event.index, call.id, event.arguments, call.custom));
        break;
      }
      case "usage":
        usage = event.usage;
        break;
      case "finish": {
        const reason = event.reason === "tool_calls" && options.legacyFunctions ? "function_call" : event.reason;
        yield chunk({}, reason);
        if (options.includeUsage) {
          yield {
            id,
            object: "chat.completion.chunk",
            created,
            model: options.model,
            system_fingerprint: fingerprint,
            choices: [],
            usage: toChatCompletionUsage(usage),
          };
        }
        return;
      }
    }
  }
  // The engine always ends with "finish" or throws; a bare end would leave clients without a finish_reason.
  throw new ToolshimError("The response ended without a finish reason.", { status: 502, code: "incomplete_response" });
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
