import type { UpstreamEvent } from "@toolshim/core";
import { SseDecoder } from "@toolshim/core/provider-utils";
import { defaultProtocolProfile, type ProtocolProfile } from "../client/protocol-profile.js";
import { businessFailure, changedShape, type FailureContext, isRecord, isWafBody, wafFailure } from "../client/failures.js";

/** What the parser makes of the stream: events for the client, the reply's id (for `stop`), the end. */
export type ParsedItem = { kind: "event"; event: UpstreamEvent } | { kind: "created"; responseId: string } | { kind: "finished" };

/**
 * Qwen Chat's completion stream (protocol reference §8), bytes in, items out, no I/O. Frames are `data: <json>`
 * events; `response.created` carries the reply id; delta frames carry a `phase` (`think` / `thinking_summary` →
 * reasoning, `answer` → text) and the running usage; the reply is complete at a `finished` answer frame (there is no
 * `[DONE]`, though one is tolerated). Errors may arrive in the stream: they throw typed failures.
 */
export class QwenStreamParser {
  readonly #sse = new SseDecoder();
  readonly #context: FailureContext;
  readonly #reasoningPhases: ReadonlySet<string>;
  readonly #answerPhases: ReadonlySet<string>;
  readonly #summaryPhase: string;
  #summary = "";
  #usage: { input?: number; output?: number; reasoning?: number } | undefined;
  #frames = 0;
  #finished = false;
  #pending: unknown;

  constructor(context: FailureContext, phases: Pick<ProtocolProfile, "reasoningPhases" | "answerPhases" | "summaryPhase"> = defaultProtocolProfile) {
    this.#context = context;
    this.#reasoningPhases = new Set(phases.reasoningPhases);
    this.#answerPhases = new Set(phases.answerPhases);
    this.#summaryPhase = phases.summaryPhase;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** True when no data frame arrived at all (a silent rejection: reference §11 "empty 200"). */
  get empty(): boolean {
    return this.#frames === 0;
  }

  push(bytes: Uint8Array): ParsedItem[] {
    return this.#handle(this.#sse.pushBytes(bytes));
  }

  end(): ParsedItem[] {
    return this.#handle(this.#sse.end());
  }

  #handle(events: { data: string }[]): ParsedItem[] {
    if (this.#pending) throw this.#pending;
    const items: ParsedItem[] = [];
    try {
      this.#readFrames(events, items);
    } catch (error) {
      // What came before the failure in the same chunk still reaches the client; the failure follows on the next call.
      if (items.length === 0) throw error;
      this.#pending = error;
    }
    return items;
  }

  #readFrames(events: { data: string }[], items: ParsedItem[]): void {
    for (const { data } of events) {
      if (this.#finished) break;
      const text = data.trim();
      if (text === "") continue;
      this.#frames++;
      if (text === "[DONE]") {
        this.#finish(items);
        break;
      }
      this.#frame(text, items);
    }
  }

  #frame(text: string, items: ParsedItem[]): void {
    let frame: unknown;
    try {
      frame = JSON.parse(text);
    } catch {
      if (isWafBody(text)) throw wafFailure(this.#context);
      throw changedShape(`a frame that is not JSON: ${text.slice(0, 80)}`, this.#context);
    }
    if (!isRecord(frame)) throw changedShape("a frame that is not an object", this.#context);
    if (Array.isArray(frame.ret) || isWafBody(JSON.stringify(frame.ret ?? ""))) throw wafFailure(this.#context);
    if (isRecord(frame.error)) {
      throw businessFailure(String(frame.error.code ?? "unknown"), String(frame.error.details ?? frame.error.message ?? ""), this.#context);
    }
    if (frame.success === false) {
      const data = isRecord(frame.data) ? frame.data : {};
      throw businessFailure(String(data.code ?? "unknown"), String(data.details ?? ""), this.#context, typeof data.num === "number" ? data.num : undefined);
    }
    const created = frame["response.created"];
    if (isRecord(created)) {
      if (typeof created.response_id === "string") items.push({ kind: "created", responseId: created.response_id });
      return;
    }
    // Keep-alives and stop markers carry nothing for the client.
    if ("response.info" in frame || "response.stopped" in frame || "done" in frame) return;
    if (!Array.isArray(frame.choices)) throw changedShape(`a frame without choices: ${text.slice(0, 80)}`, this.#context);
    if (isRecord(frame.usage)) this.#readUsage(frame.usage);
    const choice = frame.choices[0];
    const delta = isRecord(choice) && isRecord(choice.delta) ? choice.delta : undefined;
    if (!delta) throw changedShape("a choice without a delta", this.#context);
    this.#delta(delta, items);
  }

  #delta(delta: Record<string, unknown>, items: ParsedItem[]): void {
    const phase = typeof delta.phase === "string" ? delta.phase : null;
    const content = typeof delta.content === "string" ? delta.content : "";
    if (phase === this.#summaryPhase) {
      this.#summaryGrowth(delta.extra, items);
    } else if (phase !== null && this.#reasoningPhases.has(phase)) {
      if (content) items.push({ kind: "event", event: { type: "reasoning", text: content } });
    } else if (phase === null || this.#answerPhases.has(phase)) {
      if (content) items.push({ kind: "event", event: { type: "text", text: content } });
      if (delta.status === "finished") this.#finish(items);
    }
    // Other phases (web_search, image_gen, code_interpreter, …) are the web app's own tools: not the client's text.
  }

  /** `thinking_summary` frames repeat every paragraph so far; only what grew is new reasoning. */
  #summaryGrowth(extra: unknown, items: ParsedItem[]): void {
    if (!isRecord(extra) || !isRecord(extra.summary_thought) || !Array.isArray(extra.summary_thought.content)) return;
    const joined = extra.summary_thought.content.filter((part): part is string => typeof part === "string").join("\n\n");
    const growth = joined.startsWith(this.#summary) ? joined.slice(this.#summary.length) : `\n\n${joined}`;
    this.#summary = joined;
    if (growth) items.push({ kind: "event", event: { type: "reasoning", text: growth } });
  }

  #readUsage(usage: Record<string, unknown>): void {
    const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined);
    const details = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
    this.#usage = { input: count(usage.input_tokens), output: count(usage.output_tokens), reasoning: count(details.reasoning_tokens) };
  }

  #finish(items: ParsedItem[]): void {
    this.#finished = true;
    if (this.#usage) {
      const { input, output, reasoning } = this.#usage;
      items.push({
        kind: "event",
        event: { type: "usage", ...(input !== undefined && { inputTokens: input }), ...(output !== undefined && { outputTokens: output }), ...(reasoning !== undefined && { reasoningTokens: reasoning }) },
      });
    }
    items.push({ kind: "finished" });
  }
}
