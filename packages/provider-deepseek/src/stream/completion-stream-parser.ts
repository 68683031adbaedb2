import { decodeLegacyChunk } from "./legacy-chunk.js";
import { type AppliedChange, MessageState } from "./message-state.js";
import { createPatchDecoder, isRecord, type PatchOperation } from "./patch-decoder.js";
import { type ServerSentEvent, SseDecoder } from "@toolshim/core/provider-utils";
import type { StreamEvent } from "./stream-event.js";

export interface CompletionStreamParser {
  /** Feed the next bytes of the response body, in any split. */
  push(bytes: Uint8Array): StreamEvent[];
  /** The body ended: flush what is left. */
  end(): StreamEvent[];
  /**
   * The next body continues the same message (a `/chat/continue` round): byte framing restarts, but the message tree
   * and what was already emitted carry over, so a snapshot that replays earlier text emits only what is new.
   */
  nextResponse(): void;
}

interface Emission {
  emitted: number;
}

const GEN2_TEXT = { key: "content", kind: "text" } as const;
const GEN2_REASONING = { key: "thinking_content", kind: "reasoning" } as const;

/**
 * The pure, incremental parser of `/api/v0/chat/completion` bodies: bytes in, {@link StreamEvent}s out.
 *
 * It applies every patch to a generic message tree (reference §6.4) and derives text as the growth of THINK /
 * RESPONSE fragment contents (Gen-3) or of `response/thinking_content` / `response/content` (Gen-2); Gen-1's
 * OpenAI-like chunks are recognised by their `choices`. Emitted lengths are remembered per fragment id, which is what
 * makes a replayed snapshot (continue rounds) emit only its new tail. Work per frame is proportional to the frame,
 * except for whole-list changes (snapshots, fragment appends), which rescan the fragment list once.
 */
export function createCompletionStreamParser(): CompletionStreamParser {
  // DeepSeek puts one JSON document per data line and may omit the blank line between frames.
  let sse = new SseDecoder({ dataLinePerEvent: true });
  const patches = createPatchDecoder();
  const state = new MessageState();
  const known = new WeakMap<object, Emission>();
  const byId = new Map<unknown, Emission>();
  const gen2 = new Map<string, Emission>();
  let lastStatus: string | undefined;
  let lastUsage: number | undefined;

  const emissionOf = (fragment: Record<string, unknown>): { emission: Emission; fresh: boolean } => {
    const existing = known.get(fragment);
    if (existing) return { emission: existing, fresh: false };
    const id = fragment.id;
    const shared = id !== undefined && id !== null ? byId.get(id) : undefined;
    const emission = shared ?? { emitted: 0 };
    if (!shared && id !== undefined && id !== null) byId.set(id, emission);
    known.set(fragment, emission);
    return { emission, fresh: !shared };
  };

  const emitGrowth = (
    out: StreamEvent[],
    emission: Emission,
    kind: "text" | "reasoning" | undefined,
    current: string,
    appended?: { previousLength: number; text: string },
  ) => {
    // A string shorter than what was already said is a replay of an earlier state (continue rounds): its growth up to
    // the emitted length is a repeat, so the emitted length only ever grows.
    if (current.length <= emission.emitted) return;
    // Slicing the appended piece instead of the whole string keeps long answers linear.
    const piece =
      appended && emission.emitted >= appended.previousLength
        ? appended.text.slice(emission.emitted - appended.previousLength)
        : current.slice(emission.emitted);
    emission.emitted = current.length;
    if (kind && piece !== "") out.push({ type: kind, text: piece });
  };

  const scanFragments = (out: StreamEvent[]) => {
    const response = state.root.response;
    if (!isRecord(response) || !Array.isArray(response.fragments)) return;
    for (const fragment of response.fragments) {
      if (!isRecord(fragment)) continue;
      const { emission, fresh } = emissionOf(fragment);
      const fragmentType = typeof fragment.type === "string" ? fragment.type : "UNKNOWN";
      const kind = textKind(fragmentType);
      if (fresh && !kind) {
        const event: StreamEvent = { type: "fragment", fragmentType };
        if (typeof fragment.id === "number") event.id = fragment.id;
        if (typeof fragment.content === "string") event.content = fragment.content;
        out.push(event);
      }
      if (typeof fragment.content === "string") emitGrowth(out, emission, kind, fragment.content);
    }
  };

  const scanResponse = (out: StreamEvent[]) => {
    const response = state.root.response;
    if (!isRecord(response)) return;
    for (const field of [GEN2_REASONING, GEN2_TEXT]) {
      const value = response[field.key];
      if (typeof value === "string") emitGrowth(out, gen2Emission(field.key), field.kind, value);
    }
    scanFragments(out);
    noteStatus(out, response.status);
    noteUsage(out, response.accumulated_token_usage);
  };

  const gen2Emission = (key: string): Emission => {
    let emission = gen2.get(key);
    if (!emission) {
      emission = { emitted: 0 };
      gen2.set(key, emission);
    }
    return emission;
  };

  const noteStatus = (out: StreamEvent[], status: unknown) => {
    if (typeof status !== "string" || status === lastStatus) return;
    lastStatus = status;
    out.push({ type: "status", status });
  };

  const noteUsage = (out: StreamEvent[], usage: unknown) => {
    if (typeof usage !== "number" || usage === lastUsage) return;
    lastUsage = usage;
    out.push({ type: "usage", outputTokens: usage });
  };

  const onChange = (out: StreamEvent[], operation: PatchOperation, change: AppliedChange) => {
    const { parent, key } = change;
    if (parent === undefined) return scanResponse(out);
    if (parent === state.root) {
      if (key === "response") scanResponse(out);
      return;
    }
    const response = state.root.response;
    if (parent === response) {
      if (key === "fragments") return scanFragments(out);
      if (key === "status") return noteStatus(out, change.value);
      if (key === "accumulated_token_usage") return noteUsage(out, change.value);
      const field = key === GEN2_TEXT.key ? GEN2_TEXT : key === GEN2_REASONING.key ? GEN2_REASONING : undefined;
      if (field && typeof change.value === "string") {
        emitGrowth(out, gen2Emission(field.key), field.kind, change.value, appendedPiece(operation, change));
      }
      return;
    }
    if (isRecord(response) && parent === response.fragments) return scanFragments(out);
    if (key === "content" && isRecord(parent) && known.has(parent) && typeof change.value === "string") {
      const fragmentType = typeof parent.type === "string" ? parent.type : "UNKNOWN";
      emitGrowth(out, emissionOf(parent).emission, textKind(fragmentType), change.value, appendedPiece(operation, change));
    }
  };

  const onPatchFrame = (out: StreamEvent[], frame: Record<string, unknown>) => {
    for (const operation of patches.decode(frame)) {
      const change = state.apply(operation);
      if (change) onChange(out, operation, change);
    }
  };

  const onFrame = (out: StreamEvent[], frame: ServerSentEvent) => {
    const event = frame.event || "message";
    if (frame.data === "[DONE]") {
      out.push({ type: "done" });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(frame.data);
    } catch {
      out.push({ type: "malformed", event, preview: frame.data.slice(0, 120) });
      return;
    }
    if (!isRecord(json)) return;
    switch (event) {
      case "ready":
        patches.reset();
        out.push(readyEvent(json));
        return;
      case "hint":
      case "toast": {
        const hint = hintEvent(json);
        if (hint) out.push(hint);
        return;
      }
      case "close":
        out.push(closeEvent(json));
        return;
      case "title":
        if (typeof json.content === "string") out.push({ type: "title", title: json.content });
        return;
      case "message": {
        const embedded = embeddedError(json);
        if (embedded) {
          out.push(embedded);
          return;
        }
        if (Array.isArray(json.choices)) {
          out.push(...decodeLegacyChunk(json));
          return;
        }
        if (json.code === "content_filter") {
          noteStatus(out, "CONTENT_FILTER");
          return;
        }
        onPatchFrame(out, json);
        return;
      }
      default:
        // update_session, finish and events added later carry nothing the answer depends on.
        return;
    }
  };

  const run = (frames: ServerSentEvent[]): StreamEvent[] => {
    const out: StreamEvent[] = [];
    for (const frame of frames) onFrame(out, frame);
    return out;
  };

  return {
    push: (bytes) => run(sse.pushBytes(bytes)),
    end: () => run(sse.end()),
    nextResponse() {
      sse = new SseDecoder({ dataLinePerEvent: true });
      patches.reset();
    },
  };
}

function textKind(fragmentType: string): "text" | "reasoning" | undefined {
  if (fragmentType === "RESPONSE") return "text";
  if (fragmentType === "THINK") return "reasoning";
  return undefined;
}

function appendedPiece(operation: PatchOperation, change: AppliedChange) {
  if (operation.op !== "APPEND" || typeof operation.value !== "string") return undefined;
  const previousLength = typeof change.previous === "string" ? change.previous.length : 0;
  return { previousLength, text: operation.value };
}

function readyEvent(json: Record<string, unknown>): StreamEvent {
  const event: Extract<StreamEvent, { type: "ready" }> = { type: "ready" };
  if (typeof json.request_message_id === "number") event.requestMessageId = json.request_message_id;
  if (typeof json.response_message_id === "number") event.responseMessageId = json.response_message_id;
  if (typeof json.model_type === "string") event.modelType = json.model_type;
  return event;
}

function closeEvent(json: Record<string, unknown>): StreamEvent {
  const event: Extract<StreamEvent, { type: "close" }> = { type: "close" };
  if (typeof json.click_behavior === "string") event.clickBehavior = json.click_behavior;
  if (typeof json.auto_resume === "boolean") event.autoResume = json.auto_resume;
  return event;
}

function hintEvent(json: Record<string, unknown>): StreamEvent | undefined {
  const content = typeof json.content === "string" ? json.content : typeof json.msg === "string" ? json.msg : "";
  const level = typeof json.type === "string" ? json.type : "error";
  if (content === "" && typeof json.finish_reason !== "string") return undefined;
  const event: Extract<StreamEvent, { type: "hint" }> = { type: "hint", level, content };
  if (typeof json.finish_reason === "string") event.finishReason = json.finish_reason;
  return event;
}

/** Error objects some servers put on the default event: top level, nested in `v`, or as a legacy `error` field. */
function embeddedError(json: Record<string, unknown>): StreamEvent | undefined {
  if (json.type === "error") return hintEvent(json);
  if (json.p === undefined && isRecord(json.v) && json.v.type === "error") return hintEvent(json.v);
  if (json.error !== undefined && json.v === undefined) {
    const error = json.error;
    const content = typeof error === "string" ? error : isRecord(error) && typeof error.message === "string" ? error.message : "upstream error";
    return { type: "hint", level: "error", content };
  }
  return undefined;
}
