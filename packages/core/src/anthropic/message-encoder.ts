import type { CanonicalEvent, FinishReason, Usage } from "../canonical.js";
import type { ToolshimError } from "../errors.js";
import { randomAlphanumeric } from "../chat/encode-ids.js";
import { anthropicErrorType } from "./anthropic-error.js";

export type AnthropicContentBlock =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type AnthropicStopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "refusal";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export interface AnthropicMessage {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: AnthropicContentBlock[];
  stop_reason: AnthropicStopReason | null;
  stop_sequence: string | null;
  usage: AnthropicUsage;
}

/** One Messages streaming event: `type` doubles as the SSE `event:` name. */
export interface AnthropicStreamEvent {
  type: string;
  [field: string]: unknown;
}

export interface MessageEncoderOptions {
  model: string;
  /** Announced in `message_start` before the upstream reports the real count (clients require a number there). */
  estimatedInputTokens: number;
  /** Show reasoning as `thinking` blocks; without it reasoning is left out, as Anthropic does without `thinking`. */
  thinking: boolean;
  id?: string;
}

/**
 * The `signature` of every thinking block toolshim sends. Anthropic signs thinking so its API can check what a client
 * sends back; toolshim's upstreams have nothing to check, so this only satisfies clients that require the field, and
 * incoming signatures are ignored. It proves nothing.
 */
export const SIGNATURE = "toolshim-unsigned";

const STOP_REASONS: Record<FinishReason, AnthropicStopReason> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

/**
 * Canonical events in, Anthropic Messages streaming events out: `message_start` (with usage), each content block
 * started, filled by deltas and stopped before the next starts (indexes 0, 1, 2, …), `message_delta` with the stop
 * reason and usage, `message_stop`. `message` is the snapshot those events describe, so the non-streaming answer is
 * this same state read at the end.
 */
export class MessageEncoder {
  readonly message: AnthropicMessage;
  /** Set when the answer failed; the non-streaming path throws it. */
  failure: Pick<ToolshimError, "status" | "message"> | undefined;
  private readonly thinking: boolean;
  private open: { block: AnthropicContentBlock; index: number; json: string } | undefined;
  private finishReason: FinishReason | undefined;
  private stopSequence: string | undefined;
  private usage: Usage | undefined;
  private ended = false;

  constructor(options: MessageEncoderOptions) {
    this.thinking = options.thinking;
    this.message = {
      id: options.id ?? `msg_${randomAlphanumeric(24)}`,
      type: "message",
      role: "assistant",
      model: options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: options.estimatedInputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
  }

  start(): AnthropicStreamEvent[] {
    return [{ type: "message_start", message: structuredClone(this.message) }];
  }

  push(event: CanonicalEvent): AnthropicStreamEvent[] {
    if (this.ended) return [];
    const out: AnthropicStreamEvent[] = [];
    switch (event.type) {
      case "text":
        if (event.text === "") break;
        if (this.open?.block.type !== "text") this.openBlock({ type: "text", text: "" }, out);
        (this.open!.block as { text: string }).text += event.text;
        out.push(this.delta({ type: "text_delta", text: event.text }));
        break;
      case "reasoning":
        if (event.text === "" || !this.thinking) break;
        if (this.open?.block.type !== "thinking") this.openBlock({ type: "thinking", thinking: "", signature: "" }, out);
        (this.open!.block as { thinking: string }).thinking += event.text;
        out.push(this.delta({ type: "thinking_delta", thinking: event.text }));
        break;
      case "tool-call-start":
        this.openBlock({ type: "tool_use", id: `toolu_${randomAlphanumeric(24)}`, name: event.name, input: {} }, out);
        break;
      case "tool-call-delta":
        if (this.open?.block.type !== "tool_use" || event.argumentsDelta === "") break;
        this.open.json += event.argumentsDelta;
        out.push(this.delta({ type: "input_json_delta", partial_json: event.argumentsDelta }));
        break;
      case "tool-call-end": {
        const open = this.open;
        if (open?.block.type !== "tool_use") break;
        // The SDKs build `input` from the deltas alone: one that streamed none gets them whole.
        if (open.json === "") out.push(this.delta({ type: "input_json_delta", partial_json: event.arguments }));
        open.block.input = parseInput(event.arguments);
        this.close(out);
        break;
      }
      case "usage":
        this.usage = event.usage;
        break;
      case "finish":
        this.finishReason = event.reason;
        this.stopSequence = event.stopSequence;
        this.close(out);
        break;
    }
    return out;
  }

  /** The source ended: `message_delta` and `message_stop`; a source that never said how it finished failed. */
  end(): AnthropicStreamEvent[] {
    if (this.ended) return [];
    if (this.finishReason === undefined) return this.fail({ status: 502, message: "The upstream ended the answer without finishing it." });
    this.ended = true;
    const out: AnthropicStreamEvent[] = [];
    this.close(out);
    const hasToolUse = this.message.content.some((block) => block.type === "tool_use");
    this.message.stop_reason = hasToolUse ? "tool_use" : this.stopSequence !== undefined ? "stop_sequence" : STOP_REASONS[this.finishReason];
    if (this.message.stop_reason === "stop_sequence") this.message.stop_sequence = this.stopSequence ?? null;
    const usage = this.message.usage;
    if (this.usage) {
      usage.input_tokens = this.usage.inputTokens;
      usage.output_tokens = this.usage.outputTokens;
      usage.cache_read_input_tokens = this.usage.cachedInputTokens ?? 0;
    }
    out.push({ type: "message_delta", delta: { stop_reason: this.message.stop_reason, stop_sequence: this.message.stop_sequence }, usage: { ...usage } });
    out.push({ type: "message_stop" });
    return out;
  }

  /** A failure after the stream began: Anthropic's `error` event, after which nothing more is sent. */
  fail(error: Pick<ToolshimError, "status" | "message">, requestId?: string): AnthropicStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    this.failure = error;
    return [{ type: "error", error: { type: anthropicErrorType(error.status), message: error.message }, ...(requestId ? { request_id: requestId } : {}) }];
  }

  private openBlock(block: AnthropicContentBlock, out: AnthropicStreamEvent[]): void {
    this.close(out);
    const index = this.message.content.length;
    this.message.content.push(block);
    out.push({ type: "content_block_start", index, content_block: structuredClone(block) });
    this.open = { block, index, json: "" };
  }

  private delta(delta: Record<string, unknown>): AnthropicStreamEvent {
    return { type: "content_block_delta", index: this.open!.index, delta };
  }

  private close(out: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    if (this.open.block.type === "thinking") {
      // Clients that send thinking back check that it carries a signature; toolshim's is not cryptographic (see SIGNATURE).
      this.open.block.signature = SIGNATURE;
      out.push(this.delta({ type: "signature_delta", signature: SIGNATURE }));
    }
    out.push({ type: "content_block_stop", index: this.open.index });
    this.open = undefined;
  }
}

/** The engine hands over the final arguments as valid JSON; the snapshot holds what SDKs rebuild from the deltas. */
function parseInput(args: string): Record<string, unknown> {
  return args.trim() === "" ? {} : (JSON.parse(args) as Record<string, unknown>);
}
