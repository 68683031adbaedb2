import { KEEP_ALIVE, namedEvent, PatchEncoder, type SubPatch } from "./sse-frames.js";

export const TIP_TEXT = "本回答由 AI 生成，内容仅供参考，请仔细甄别。";
export const REFUSAL_TEXT = "你好，这个问题我暂时无法回答，让我们换个话题再聊聊吧。";

/** What the stream is about; fixed for every round of one answer. */
export interface AnswerIds {
  requestMessageId: number;
  responseMessageId: number;
  modelType: string;
  thinkingEnabled: boolean;
  searchEnabled: boolean;
  /** Unix seconds with microseconds, like the server's `inserted_at`. */
  insertedAt: number;
}

export interface StreamSettings {
  finishEvent: boolean;
  keepAliveEvery: number;
  /** Unix seconds with microseconds, for `update_session`. */
  nowSeconds: () => number;
}

/**
 * Builds one completion round as a list of SSE events, in the order and shapes of the Gen-3 captures (§6, §11):
 * `ready`, `update_session`, the snapshot, fragment patches, the status tail, `finish`, `update_session`, `title`,
 * `close`. Scenario code composes it; it knows nothing about HTTP.
 */
export class AnswerStream {
  readonly frames: string[] = [];
  readonly encoder = new PatchEncoder();
  /** Tokens sent so far, across rounds: the `accumulated_token_usage` the server reports. */
  tokensSent: number;
  nextFragmentId: number;
  #sinceKeepAlive = 0;

  constructor(
    readonly ids: AnswerIds,
    readonly settings: StreamSettings,
    resume?: { tokensSent: number; nextFragmentId: number },
  ) {
    this.tokensSent = resume?.tokensSent ?? 0;
    this.nextFragmentId = resume?.nextFragmentId ?? ids.responseMessageId;
  }

  ready(): void {
    this.frames.push(
      namedEvent("ready", {
        request_message_id: this.ids.requestMessageId,
        response_message_id: this.ids.responseMessageId,
        model_type: this.ids.modelType,
      }),
    );
  }

  updateSession(): void {
    this.frames.push(namedEvent("update_session", { updated_at: this.settings.nowSeconds() }));
  }

  keepAlive(): void {
    this.frames.push(KEEP_ALIVE);
    this.#sinceKeepAlive = 0;
  }

  snapshot(fragments: unknown[], extra: { accumulatedTokenUsage?: number; search?: boolean; insertedAt?: number } = {}): void {
    this.frames.push(
      this.encoder.snapshot({
        message_id: this.ids.responseMessageId,
        parent_id: this.ids.requestMessageId,
        model: "",
        role: "ASSISTANT",
        thinking_enabled: this.ids.thinkingEnabled,
        ban_edit: false,
        ban_regenerate: false,
        status: "WIP",
        incomplete_message: null,
        accumulated_token_usage: extra.accumulatedTokenUsage ?? 0,
        feedback: null,
        inserted_at: extra.insertedAt ?? this.ids.insertedAt,
        search_enabled: this.ids.searchEnabled,
        fragments,
        conversation_mode: extra.search === true ? "DEEP_SEARCH" : "DEFAULT",
        has_pending_fragment: false,
        auto_continue: false,
        ...(extra.search === true && { search_triggered: true }),
      }),
    );
  }

  fragment(type: "THINK" | "RESPONSE", content: string, stageId: number): Record<string, unknown> {
    const id = this.nextFragmentId++;
    return type === "THINK"
      ? { id, type, content, elapsed_secs: null, references: [], stage_id: stageId }
      : { id, type, content, references: [], stage_id: stageId };
  }

  /** A token appended to the last fragment's content (pathless when the previous frame did the same). */
  token(text: string): void {
    this.patch("response/fragments/-1/content", "APPEND", text);
    this.tokensSent++;
    if (++this.#sinceKeepAlive >= this.settings.keepAliveEvery) this.keepAlive();
  }

  /** Counts a token that went out inside a fragment object (snapshot or appended fragment). */
  countToken(): void {
    this.tokensSent++;
  }

  patch(path: string, op: "SET" | "APPEND", value: unknown): void {
    this.frames.push(this.encoder.patch(path, op, value));
  }

  batch(path: string, subs: SubPatch[]): void {
    this.frames.push(this.encoder.batch(path, subs));
  }

  appendFragments(fragments: unknown[]): void {
    this.patch("response/fragments", "APPEND", fragments);
  }

  elapsed(seconds: number): void {
    this.patch("response/fragments/-1/elapsed_secs", "SET", seconds);
  }

  tip(): void {
    this.appendFragments([{ id: this.nextFragmentId++, type: "TIP", content: TIP_TEXT, style: "WARNING", hide_on_wip: true }]);
  }

  quasiStatus(status: "FINISHED" | "INCOMPLETE"): void {
    this.batch("response", [
      { p: "accumulated_token_usage", o: "SET", v: this.tokensSent },
      { p: "quasi_status", o: "SET", v: status },
    ]);
  }

  status(status: "FINISHED" | "INCOMPLETE"): void {
    this.patch("response/status", "SET", status);
  }

  /** The terminal content-filter BATCH: the answer's fragments are replaced by the refusal template. */
  contentFilter(): void {
    this.batch("response", [
      { p: "ban_regenerate", o: "SET", v: true },
      { p: "status", o: "SET", v: "CONTENT_FILTER" },
      { p: "fragments", o: "SET", v: [{ id: this.nextFragmentId++, type: "TEMPLATE_RESPONSE", content: REFUSAL_TEXT }] },
      { p: "quasi_status", o: "SET", v: "CONTENT_FILTER" },
    ]);
  }

  /** `finish` (if enabled), `update_session`, `title` (first answer of a session), `close`. */
  tail(title: string | undefined, clickBehavior: "none" | "retry" = "none"): void {
    if (this.settings.finishEvent) this.frames.push(namedEvent("finish", {}));
    this.updateSession();
    if (title !== undefined) this.frames.push(namedEvent("title", { content: title }));
    this.close(clickBehavior);
  }

  close(clickBehavior: "none" | "retry"): void {
    this.frames.push(namedEvent("close", { click_behavior: clickBehavior, auto_resume: false }));
  }

  /** An in-stream error: `hint` then `close` (no status frame). */
  hint(content: string, finishReason: string, clickBehavior: "none" | "retry"): void {
    this.frames.push(namedEvent("hint", { type: "error", content, clear_response: true, finish_reason: finishReason }));
    this.close(clickBehavior);
  }
}

/** Thinking durations look like the captures' (nine decimals), growing with the reasoning's length. */
export function elapsedSeconds(thinkingTokens: number): number {
  return Number((0.04 * thinkingTokens + 0.123456789).toFixed(9));
}
