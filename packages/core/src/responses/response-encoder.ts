import type { CanonicalEvent, FinishReason, Usage } from "../canonical.js";
import type { ToolshimError } from "../errors.js";
import { randomAlphanumeric } from "../chat/encode-ids.js";
import { qualifiedName } from "./decode-response-tools.js";
import type { OutputTextPart, ResponseEcho, ResponseObject, ResponseOutputItem, ResponseUsage } from "./response-types.js";

/** One Responses streaming event: `type` doubles as the SSE `event:` name. */
export interface ResponseStreamEvent {
  type: string;
  sequence_number: number;
  [field: string]: unknown;
}

export interface ResponseEncoderOptions {
  echo: ResponseEcho;
  id?: string;
  /** Unix seconds. */
  createdAt?: number;
}

type OpenItem =
  | { kind: "message"; index: number; item: Extract<ResponseOutputItem, { type: "message" }>; part: OutputTextPart }
  | { kind: "reasoning"; index: number; item: Extract<ResponseOutputItem, { type: "reasoning" }>; text: string }
  | { kind: "function_call"; index: number; item: Extract<ResponseOutputItem, { type: "function_call" }> }
  | { kind: "custom_tool_call"; index: number; item: Extract<ResponseOutputItem, { type: "custom_tool_call" }> };

/**
 * Canonical events in, Responses streaming events out, following OpenAI's order: `response.created` and
 * `response.in_progress` first; each output item opened (`output_item.added`), filled, and closed
 * (`output_item.done`) before the next one opens, with append-only `output_index`; a terminal `response.completed`,
 * `response.incomplete` or `response.failed` carrying the full response. `response` is the snapshot the events
 * describe, so a non-streaming answer is this same state read at the end.
 */
export class ResponseEncoder {
  readonly response: ResponseObject;
  private sequence = 0;
  private open: OpenItem | undefined;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private ended = false;
  /** Canonical names of tools declared inside `namespace` tools, with the namespace and name the client knows. */
  private readonly namespaced = new Map<string, { namespace: string; name: string }>();

  constructor(options: ResponseEncoderOptions) {
    this.response = {
      id: options.id ?? `resp_${randomAlphanumeric(24)}`,
      object: "response",
      created_at: options.createdAt ?? Math.floor(Date.now() / 1000),
      completed_at: null,
      status: "in_progress",
      error: null,
      incomplete_details: null,
      output: [],
      usage: null,
      ...options.echo,
    };
    for (const tool of options.echo.tools) {
      if (tool.type !== "namespace") continue;
      for (const member of tool.tools) this.namespaced.set(qualifiedName(tool.name, member.name), { namespace: tool.name, name: member.name });
    }
  }

  start(): ResponseStreamEvent[] {
    return [this.lifecycle("response.created"), this.lifecycle("response.in_progress")];
  }

  push(event: CanonicalEvent): ResponseStreamEvent[] {
    if (this.ended) return [];
    const out: ResponseStreamEvent[] = [];
    switch (event.type) {
      case "text":
        if (event.text === "") break;
        if (this.open?.kind !== "message") this.openMessage(out);
        this.appendText(event.text, out);
        break;
      case "reasoning":
        if (event.text === "") break;
        if (this.open?.kind !== "reasoning") this.openReasoning(out);
        this.appendReasoning(event.text, out);
        break;
      case "tool-call-start":
        this.openCall(event.id, event.name, event.custom === true, out);
        break;
      case "tool-call-delta":
        if (event.argumentsDelta !== "") this.appendCall(event.argumentsDelta, out);
        break;
      case "tool-call-end": {
        const open = this.open;
        if (open?.kind !== "function_call" && open?.kind !== "custom_tool_call") break;
        // Clients that only accumulate deltas still get the arguments when none were streamed.
        if (callText(open) === "" && event.arguments !== "") this.appendCall(event.arguments, out);
        if (open.kind === "function_call") open.item.arguments = event.arguments;
        else open.item.input = event.arguments;
        this.close(out, "completed");
        break;
      }
      case "usage":
        this.usage = event.usage;
        break;
      case "finish":
        this.finishReason = event.reason;
        this.close(out, event.reason === "length" || event.reason === "content_filter" ? "incomplete" : "completed");
        break;
    }
    return out;
  }

  /** The source ended: the terminal event. A source that never said how it finished failed. */
  end(): ResponseStreamEvent[] {
    if (this.ended) return [];
    if (this.finishReason === undefined) return this.fail({ message: "The upstream ended the answer without finishing it.", code: "server_error" });
    const out: ResponseStreamEvent[] = [];
    this.close(out, "completed");
    this.ended = true;
    this.response.usage = toResponseUsage(this.usage);
    this.response.completed_at = Math.floor(Date.now() / 1000);
    if (this.finishReason === "length" || this.finishReason === "content_filter") {
      this.response.status = "incomplete";
      this.response.incomplete_details = { reason: this.finishReason === "length" ? "max_output_tokens" : "content_filter" };
      out.push(this.lifecycle("response.incomplete"));
    } else {
      this.response.status = "completed";
      out.push(this.lifecycle("response.completed"));
    }
    return out;
  }

  /** A failure after the stream began: an `error` event, then `response.failed` with what was produced so far. */
  fail(error: Pick<ToolshimError, "message" | "code">): ResponseStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    if (this.open) this.open.item.status = "incomplete";
    this.open = undefined;
    const code = error.code ?? "server_error";
    this.response.status = "failed";
    this.response.error = { code, message: error.message };
    this.response.usage = toResponseUsage(this.usage);
    return [this.event("error", { code, message: error.message, param: null }), this.lifecycle("response.failed")];
  }

  private openMessage(out: ResponseStreamEvent[]): void {
    this.close(out, "completed");
    const item: Extract<ResponseOutputItem, { type: "message" }> = {
      id: `msg_${randomAlphanumeric(24)}`,
      type: "message",
      status: "in_progress",
      role: "assistant",
      content: [],
    };
    const index = this.addItem(item, out);
    const part: OutputTextPart = { type: "output_text", text: "", annotations: [], logprobs: [] };
    item.content.push(part);
    out.push(this.event("response.content_part.added", { item_id: item.id, output_index: index, content_index: 0, part: structuredClone(part) }));
    this.open = { kind: "message", index, item, part };
  }

  private appendText(text: string, out: ResponseStreamEvent[]): void {
    const open = this.open as Extract<OpenItem, { kind: "message" }>;
    open.part.text += text;
    out.push(
      this.event("response.output_text.delta", { item_id: open.item.id, output_index: open.index, content_index: 0, delta: text, logprobs: [] }),
    );
  }

  private openReasoning(out: ResponseStreamEvent[]): void {
    this.close(out, "completed");
    const item: Extract<ResponseOutputItem, { type: "reasoning" }> = { id: `rs_${randomAlphanumeric(24)}`, type: "reasoning", summary: [] };
    const index = this.addItem(item, out);
    item.summary.push({ type: "summary_text", text: "" });
    out.push(
      this.event("response.reasoning_summary_part.added", {
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: "summary_text", text: "" },
      }),
    );
    this.open = { kind: "reasoning", index, item, text: "" };
  }

  private appendReasoning(text: string, out: ResponseStreamEvent[]): void {
    const open = this.open as Extract<OpenItem, { kind: "reasoning" }>;
    open.text += text;
    out.push(this.event("response.reasoning_summary_text.delta", { item_id: open.item.id, output_index: open.index, summary_index: 0, delta: text }));
  }

  /** A call item; a tool declared in a `namespace` gets its own name back, with the namespace beside it. */
  private openCall(callId: string, canonicalName: string, custom: boolean, out: ResponseStreamEvent[]): void {
    this.close(out, "completed");
    const { namespace, name } = this.namespaced.get(canonicalName) ?? { name: canonicalName };
    const scope = namespace === undefined ? {} : { namespace };
    if (custom) {
      const item: Extract<ResponseOutputItem, { type: "custom_tool_call" }> = {
        id: `ctc_${randomAlphanumeric(24)}`,
        type: "custom_tool_call",
        status: "in_progress",
        call_id: callId,
        name,
        ...scope,
        input: "",
      };
      this.open = { kind: "custom_tool_call", index: this.addItem(item, out), item };
      return;
    }
    const item: Extract<ResponseOutputItem, { type: "function_call" }> = {
      id: `fc_${randomAlphanumeric(24)}`,
      type: "function_call",
      status: "in_progress",
      arguments: "",
      call_id: callId,
      name,
      ...scope,
    };
    this.open = { kind: "function_call", index: this.addItem(item, out), item };
  }

  private appendCall(delta: string, out: ResponseStreamEvent[]): void {
    const open = this.open;
    if (open?.kind === "function_call") {
      open.item.arguments += delta;
      out.push(this.event("response.function_call_arguments.delta", { item_id: open.item.id, output_index: open.index, delta }));
    } else if (open?.kind === "custom_tool_call") {
      open.item.input += delta;
      out.push(this.event("response.custom_tool_call_input.delta", { item_id: open.item.id, output_index: open.index, delta }));
    }
  }

  private addItem(item: ResponseOutputItem, out: ResponseStreamEvent[]): number {
    const index = this.response.output.length;
    out.push(this.event("response.output_item.added", { output_index: index, item: structuredClone(item) }));
    this.response.output.push(item);
    return index;
  }

  private close(out: ResponseStreamEvent[], status: "completed" | "incomplete"): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    const ids = { item_id: open.item.id, output_index: open.index };
    if (open.kind === "message") {
      out.push(this.event("response.output_text.done", { ...ids, content_index: 0, text: open.part.text, logprobs: [] }));
      out.push(this.event("response.content_part.done", { ...ids, content_index: 0, part: structuredClone(open.part) }));
      open.item.status = status;
    } else if (open.kind === "reasoning") {
      const part = { type: "summary_text" as const, text: open.text };
      open.item.summary[0] = part;
      out.push(this.event("response.reasoning_summary_text.done", { ...ids, summary_index: 0, text: open.text }));
      out.push(this.event("response.reasoning_summary_part.done", { ...ids, summary_index: 0, part: structuredClone(part) }));
    } else if (open.kind === "function_call") {
      out.push(this.event("response.function_call_arguments.done", { ...ids, name: open.item.name, arguments: open.item.arguments }));
      open.item.status = status;
    } else {
      out.push(this.event("response.custom_tool_call_input.done", { ...ids, input: open.item.input }));
      open.item.status = status;
    }
    out.push(this.event("response.output_item.done", { output_index: open.index, item: structuredClone(open.item) }));
  }

  private lifecycle(type: string): ResponseStreamEvent {
    return this.event(type, { response: structuredClone(this.response) });
  }

  private event(type: string, fields: Record<string, unknown>): ResponseStreamEvent {
    return { type, sequence_number: this.sequence++, ...fields };
  }
}

function callText(open: Extract<OpenItem, { kind: "function_call" | "custom_tool_call" }>): string {
  return open.kind === "function_call" ? open.item.arguments : open.item.input;
}

function toResponseUsage(usage: Usage | undefined): ResponseUsage {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage?.cachedInputTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage?.reasoningTokens ?? 0 },
    total_tokens: input + output,
  };
}
