import type { UpstreamEvent } from "@toolshim/core";
import { ReasoningSplitter } from "@toolshim/core/provider-utils";
import type { WireCompletion, WireMessage, WireToolCall, WireUsage } from "./wire-types.js";

type EndReason = Extract<UpstreamEvent, { type: "end" }>["reason"];

/** Unknown values ("eos", "end_turn", …) count as a normal stop: the answer is complete either way. */
export function mapFinishReason(reason: string): EndReason {
  switch (reason) {
    case "length":
      return "length";
    case "content_filter":
      return "content-filter";
    case "tool_calls":
    case "function_call":
      return "tool-calls";
    default:
      return "stop";
  }
}

export function mapUsage(usage: WireUsage | null | undefined): UpstreamEvent | undefined {
  if (!usage || typeof usage !== "object") return undefined;
  const event: Extract<UpstreamEvent, { type: "usage" }> = { type: "usage" };
  if (typeof usage.prompt_tokens === "number") event.inputTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === "number") event.outputTokens = usage.completion_tokens;
  const reasoning = usage.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") event.reasoningTokens = reasoning;
  return Object.keys(event).length > 1 ? event : undefined;
}

/** Reasoning as the compatible servers name it: `reasoning_content` (llama.cpp, DeepSeek, vLLM ≤0.10), `reasoning` (vLLM, OpenRouter, Ollama). */
function reasoningOf(source: WireMessage | undefined): string | undefined {
  const value = source?.reasoning_content ?? source?.reasoning;
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Renumbers native tool-call deltas into contiguous indexes 0..n-1. Compatible servers get this wrong in known ways:
 * a missing `index`, every parallel call on index 0 with different ids (Ollama), the name repeated on every delta
 * (older llama.cpp). A delta with a new id opens a new call; the name is passed on once per call.
 */
class ToolCallTracker {
  private calls: Array<{ upstreamIndex: number; id: string | undefined; idSent: boolean; named: boolean }> = [];

  map(delta: WireToolCall | undefined, position: number): UpstreamEvent | undefined {
    const upstreamIndex = typeof delta?.index === "number" ? delta.index : undefined;
    const id = typeof delta?.id === "string" && delta.id !== "" ? delta.id : undefined;
    const rawName = delta?.function?.name;
    const name = typeof rawName === "string" && rawName !== "" ? rawName : undefined;
    const rawArguments = delta?.function?.arguments;
    const argumentsDelta =
      typeof rawArguments === "string" ? rawArguments : rawArguments === undefined || rawArguments === null ? "" : JSON.stringify(rawArguments);

    let index = this.find(upstreamIndex ?? position, id, upstreamIndex === undefined);
    if (index < 0) {
      this.calls.push({ upstreamIndex: upstreamIndex ?? position, id, idSent: false, named: false });
      index = this.calls.length - 1;
    }
    const call = this.calls[index]!;
    const event: Extract<UpstreamEvent, { type: "native-tool-call" }> = { type: "native-tool-call", index, argumentsDelta };
    if (id !== undefined && call.id === undefined) call.id = id;
    if (call.id !== undefined && !call.idSent) {
      event.id = call.id;
      call.idSent = true;
    }
    if (name !== undefined && !call.named) {
      event.name = name;
      call.named = true;
    }
    if (event.id === undefined && event.name === undefined && argumentsDelta === "") return undefined;
    return event;
  }

  private find(upstreamIndex: number, id: string | undefined, indexMissing: boolean): number {
    if (indexMissing) {
      // No index: an id we know continues that call, a new id opens one, no id continues the latest call.
      if (id === undefined) return this.calls.length - 1;
      return this.calls.findIndex((c) => c.id === id);
    }
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const call = this.calls[i]!;
      if (call.upstreamIndex !== upstreamIndex) continue;
      return id !== undefined && call.id !== undefined && call.id !== id ? -1 : i;
    }
    return -1;
  }
}

/**
 * Turns chat completion chunks (or one whole completion) into upstream events. In native mode inline `<think>` blocks
 * in the content become reasoning; in emulate mode the text is left alone for the engine's scanner.
 */
export class ResponseMapper {
  private readonly splitter: ReasoningSplitter | undefined;
  private readonly tools = new ToolCallTracker();
  finishReason: EndReason | undefined;

  constructor(native: boolean) {
    this.splitter = native ? new ReasoningSplitter() : undefined;
  }

  /** The events of one streamed chunk, appended to `events` (one array for a whole upstream read saves garbage). */
  chunk(chunk: WireCompletion | undefined, events: UpstreamEvent[] = []): UpstreamEvent[] {
    const choice = Array.isArray(chunk?.choices) ? chunk.choices[0] : undefined;
    const delta = choice?.delta;
    if (delta) {
      const reasoning = reasoningOf(delta);
      if (reasoning !== undefined) events.push({ type: "reasoning", text: reasoning });
      if (typeof delta.content === "string" && delta.content !== "") this.content(delta.content, events);
      if (Array.isArray(delta.tool_calls)) {
        delta.tool_calls.forEach((call: WireToolCall, position: number) => {
          const event = this.tools.map(call, position);
          if (event) events.push(event);
        });
      }
    }
    if (typeof choice?.finish_reason === "string" && choice.finish_reason !== "") {
      this.finishReason = mapFinishReason(choice.finish_reason);
    }
    const usage = mapUsage(chunk?.usage);
    if (usage) events.push(usage);
    return events;
  }

  /** A non-streaming `chat.completion` body. A missing finish reason counts as "stop" there: the body is complete. */
  completion(body: WireCompletion): UpstreamEvent[] {
    const events: UpstreamEvent[] = [];
    const choice = Array.isArray(body?.choices) ? body.choices[0] : undefined;
    const message = choice?.message;
    const reasoning = reasoningOf(message);
    if (reasoning !== undefined) events.push({ type: "reasoning", text: reasoning });
    if (typeof message?.content === "string" && message.content !== "") this.content(message.content, events);
    if (Array.isArray(message?.tool_calls)) {
      message.tool_calls.forEach((call: WireToolCall, position: number) => {
        const event = this.tools.map({ ...call, index: position }, position);
        if (event) events.push(event);
      });
    }
    events.push(...this.flush());
    const usage = mapUsage(body?.usage);
    if (usage) events.push(usage);
    this.finishReason = mapFinishReason(typeof choice?.finish_reason === "string" ? choice.finish_reason : "stop");
    return events;
  }

  /** Text held back by the think splitter, at the end of the stream. */
  flush(): UpstreamEvent[] {
    return (this.splitter?.flush() ?? []).map((piece) => ({ type: piece.type, text: piece.text }));
  }

  private content(text: string, events: UpstreamEvent[]) {
    if (!this.splitter) {
      events.push({ type: "text", text });
      return;
    }
    for (const piece of this.splitter.push(text)) events.push({ type: piece.type, text: piece.text });
  }
}
