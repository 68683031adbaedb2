import type { CanonicalEvent } from "../canonical.js";
import { ToolshimError } from "../errors.js";
import {
  type ChatCompletionChunk,
  type ChatCompletionUsage,
  type ChatEncodeOptions,
  type ChatFinishReason,
  encodeChatCompletionChunks,
  toChatCompletionUsage,
} from "./encode-chat-completion-chunks.js";

export type ChatCompletionMessageToolCall =
  | { id: string; type: "function"; function: { name: string; arguments: string } }
  /** A custom (freeform) tool's call, with its raw input. */
  | { id: string; type: "custom"; custom: { name: string; input: string } };

export interface ChatCompletionMessage {
  role: "assistant";
  content: string | null;
  refusal: null;
  reasoning_content?: string;
  tool_calls?: ChatCompletionMessageToolCall[];
  function_call?: { name: string; arguments: string };
}

/** The non-streaming `chat.completion` object as it goes on the wire. */
export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: { index: number; message: ChatCompletionMessage; logprobs: null; finish_reason: ChatFinishReason }[];
  usage: ChatCompletionUsage;
}

/**
 * Folds chunks into the completion a client would rebuild from them (ids and names from opening deltas, arguments and
 * content appended). Used for the non-streaming response, and handy for checking streams in tests.
 */
export class ChatCompletionAccumulator {
  #envelope: Pick<ChatCompletion, "id" | "created" | "model" | "system_fingerprint"> | undefined;
  #content: string | null = null;
  #reasoning: string | undefined;
  #toolCalls: ChatCompletionMessageToolCall[] = [];
  #functionCall: { name: string; arguments: string } | undefined;
  #finishReason: ChatFinishReason | undefined;
  #usage: ChatCompletionUsage | undefined;

  add(chunk: ChatCompletionChunk): void {
    this.#envelope ??= { id: chunk.id, created: chunk.created, model: chunk.model, system_fingerprint: chunk.system_fingerprint };
    if (chunk.usage) this.#usage = chunk.usage;
    for (const choice of chunk.choices) {
      const delta = choice.delta;
      if (delta.content) this.#content = (this.#content ?? "") + delta.content;
      if (delta.reasoning_content) this.#reasoning = (this.#reasoning ?? "") + delta.reasoning_content;
      for (const call of delta.tool_calls ?? []) {
        if ("type" in call) {
          this.#toolCalls[call.index] =
            call.type === "custom" ? { id: call.id, type: "custom", custom: { ...call.custom } } : { id: call.id, type: "function", function: { ...call.function } };
        } else {
          const open = this.#toolCalls[call.index];
          if (open?.type === "function" && "function" in call) open.function.arguments += call.function.arguments;
          else if (open?.type === "custom" && "custom" in call) open.custom.input += call.custom.input;
        }
      }
      if (delta.function_call) {
        if (delta.function_call.name !== undefined) {
          this.#functionCall = { name: delta.function_call.name, arguments: delta.function_call.arguments };
        } else if (this.#functionCall) this.#functionCall.arguments += delta.function_call.arguments;
      }
      if (choice.finish_reason) this.#finishReason = choice.finish_reason;
    }
  }

  result(): ChatCompletion {
    if (!this.#envelope || !this.#finishReason) {
      throw new ToolshimError("The response ended without a finish reason.", { status: 502, code: "incomplete_response" });
    }
    const message: ChatCompletionMessage = { role: "assistant", content: this.#content, refusal: null };
    if (this.#reasoning !== undefined) message.reasoning_content = this.#reasoning;
    if (this.#toolCalls.length > 0) message.tool_calls = this.#toolCalls;
    if (this.#functionCall) message.function_call = this.#functionCall;
    return {
      id: this.#envelope.id,
      object: "chat.completion",
      created: this.#envelope.created,
      model: this.#envelope.model,
      system_fingerprint: this.#envelope.system_fingerprint,
      choices: [{ index: 0, message, logprobs: null, finish_reason: this.#finishReason }],
      usage: this.#usage ?? toChatCompletionUsage(undefined),
    };
  }
}

/**
 * The non-streaming response: the same events through the same chunk encoder, folded. Calls are encoded whole, so a
 * call that never completed (cut off by the length limit) is left out rather than returned broken.
 */
export async function encodeChatCompletion(
  events: AsyncIterable<CanonicalEvent>,
  options: Omit<ChatEncodeOptions, "includeUsage" | "argumentsInOneDelta">,
): Promise<ChatCompletion> {
  const accumulator = new ChatCompletionAccumulator();
  const chunks = encodeChatCompletionChunks(events, { ...options, includeUsage: true, argumentsInOneDelta: true });
  for await (const chunk of chunks) accumulator.add(chunk);
  return accumulator.result();
}
