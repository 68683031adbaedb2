import type { IncomingMessage, ServerResponse } from "node:http";
import { continueRound, firstRound, hintRound, type AnswerProgress, type PlannedAnswer, type RoundResult } from "./answer-rounds.js";
import { REFUSAL_TEXT, type AnswerIds, type StreamSettings } from "./answer-stream.js";
import { bizError, codeError, scriptedError, sendJson, sendMissingField, writeStream } from "./double-http.js";
import type {
  Caller,
  DeepSeekDoubleOptions,
  DeepSeekDoubleState,
  DoubleMessage,
  DoubleReply,
  DoubleScenario,
  DoubleSession,
  LoggedRequest,
  MessageStatus,
  PowRejection,
  ReplyContext,
  ReplyScript,
} from "./double-types.js";
import type { PowLedger } from "./pow-ledger.js";
import { readyIds, replayRounds } from "./replay-rounds.js";
import { searchRound } from "./search-round.js";
import { namedEvent, PatchEncoder, seededRandom, splitTokens } from "./sse-frames.js";

const COMPLETION_PATH = "/api/v0/chat/completion";
const CONTINUE_PATH = "/api/v0/chat/continue";
const DEFAULT_THINKING = "Let me think about how to answer this.";
const RATE_LIMIT_TEXT = "消息发送过于频繁，请稍后重试";
/** The concurrency variant of the throttle text [noted in: cv-superding]. */
const CONCURRENCY_TEXT = "消息发送过于频繁，请稍后再试";
const INPUT_TOO_LONG_TEXT = "Content is too long. Please shorten it and try again.";

export interface CompletionContext {
  state: DeepSeekDoubleState;
  ledger: PowLedger;
  options: DeepSeekDoubleOptions;
  now: () => number;
  takeReply(): ReplyScript;
  hold(): Promise<void> | undefined;
  ownedSession(caller: Caller, id: unknown): DoubleSession | undefined;
}

/** What `/chat/continue` can still deliver for an INCOMPLETE message. */
type Continuation = { kind: "answer"; progress: AnswerProgress } | { kind: "replay"; rounds: string[] };

type Fields = Record<string, unknown>;

/** `/chat/completion`, `/chat/continue` and `/chat/stop_stream`. */
export function completionRoutes(ctx: CompletionContext) {
  const { state, options } = ctx;
  const random = seededRandom(options.seed ?? 1);
  const continuations = new Map<string, Continuation>();
  const streaming = new Map<string, { stop: boolean }>();
  const settings: StreamSettings = {
    finishEvent: options.finishEvent ?? true,
    keepAliveEvery: options.keepAliveEvery ?? 30,
    nowSeconds: () => Number((ctx.now() / 1000).toFixed(6)),
  };
  const key = (sessionId: string, messageId: number) => `${sessionId}:${messageId}`;

  function rejectPow(res: ServerResponse, entry: LoggedRequest, reason: PowRejection): void {
    entry.powRejection = reason;
    // The real answers: MISSING_HEADER for a header that is absent or not base64 JSON; only the text
    // INVALID_POW_RESPONSE is known for a wrong or stale answer, so its code here (40301) is the double's own.
    const body = reason === "missing" || reason === "undecodable" ? codeError(40300, "MISSING_HEADER") : codeError(40301, "INVALID_POW_RESPONSE");
    sendJson(res, entry, 200, body);
  }

  function ids(session: DoubleSession, requestMessageId: number, fields: Fields): AnswerIds {
    return {
      requestMessageId,
      responseMessageId: requestMessageId + 1,
      modelType: session.modelType,
      thinkingEnabled: fields.thinking_enabled === true,
      searchEnabled: fields.search_enabled === true,
      insertedAt: Number((ctx.now() / 1000).toFixed(6)),
    };
  }

  /** Streams prepared events while holding one of the token's concurrency slots; returns the final status. */
  async function stream(res: ServerResponse, entry: LoggedRequest, caller: Caller, streamKey: string, frames: string[], dropBefore?: number) {
    const control = { stop: false };
    streaming.set(streamKey, control);
    const opened = (state.leases.get(caller.token) ?? 0) + 1;
    state.leases.set(caller.token, opened);
    state.peakLeases.set(caller.token, Math.max(opened, state.peakLeases.get(caller.token) ?? 0));
    try {
      return await writeStream(res, entry, frames, {
        frameDelayMs: options.frameDelayMs ?? 0,
        hold: ctx.hold,
        stopRequested: () => control.stop,
        stopTail: () => stopTail(),
        ...(dropBefore !== undefined && { dropBefore }),
      });
    } finally {
      streaming.delete(streamKey);
      const open = (state.leases.get(caller.token) ?? 1) - 1;
      if (open > 0) state.leases.set(caller.token, open);
      else state.leases.delete(caller.token);
    }
  }

  /** The end written after `/chat/stop_stream`: the answer becomes INCOMPLETE. */
  function stopTail(): string[] {
    const encoder = new PatchEncoder();
    return [
      encoder.batch("response", [{ p: "quasi_status", o: "SET", v: "INCOMPLETE" }]),
      encoder.patch("response/status", "SET", "INCOMPLETE"),
      ...(settings.finishEvent ? [namedEvent("finish", {})] : []),
      namedEvent("update_session", { updated_at: settings.nowSeconds() }),
      namedEvent("close", { click_behavior: "none", auto_resume: false }),
    ];
  }

  function tooBusy(caller: Caller): boolean {
    return (state.leases.get(caller.token) ?? 0) >= (options.maxConcurrentStreams ?? 2);
  }

  function plan(scenario: DoubleScenario | undefined, answerIds: AnswerIds, reply: DoubleReply, prompt: string, title: string | undefined): RoundResult {
    const answer: PlannedAnswer = {
      thinking: answerIds.thinkingEnabled ? splitTokens(reply.thinking ?? DEFAULT_THINKING, random) : [],
      text: scenario?.kind === "empty-output" ? [] : splitTokens(reply.text, random),
      tip: reply.tip === true,
    };
    const roundOptions = { title: title ?? "", needsTitle: title !== undefined };
    switch (scenario?.kind) {
      case "search":
        if (!answerIds.searchEnabled) break;
        return {
          frames: searchRound(answer, answerIds, settings, {
            queries: scenario.queries ?? [prompt.slice(0, 40)],
            title,
            publishedAt: Math.floor(ctx.now() / 86_400_000) * 86_400,
          }),
          status: "FINISHED",
        };
      case "incomplete":
        return firstRound(answer, answerIds, settings, { ...roundOptions, incompleteRounds: scenario.rounds ?? 1 });
      case "content-filter":
        return firstRound(answer, answerIds, settings, { ...roundOptions, ending: "content-filter" });
    }
    return firstRound(answer, answerIds, settings, roundOptions);
  }

  async function completion(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest, caller: Caller, fields: Fields, scenario: DoubleScenario | undefined) {
    for (const field of ["chat_session_id", "prompt"]) if (typeof fields[field] !== "string") return sendMissingField(res, entry, field);
    const parent = fields.parent_message_id;
    if (!("parent_message_id" in fields) || (parent !== null && !Number.isSafeInteger(parent))) {
      return sendMissingField(res, entry, "parent_message_id");
    }
    const verdict = ctx.ledger.verify(powHeader(req), [COMPLETION_PATH]);
    if (!verdict.ok) return rejectPow(res, entry, verdict.reason);
    verdict.challenge.usedBy = { path: COMPLETION_PATH };
    const session = ctx.ownedSession(caller, fields.chat_session_id);
    if (session === undefined) return sendJson(res, entry, 200, bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
    verdict.challenge.usedBy.sessionId = session.id;
    // §4.3: a follow-up must name the latest answer; the real error is undocumented, the double reuses code 26.
    if (parent !== session.lastResponseMessageId) return sendJson(res, entry, 200, bizError(26, "invalid message id"));
    if (caller.account?.status === "muted") {
      return sendJson(res, entry, 200, bizError(5, "user is muted", { mute_until: caller.account.muteUntil }));
    }
    if (scenario?.kind === "json-error") return sendJson(res, entry, scenario.status ?? 200, scriptedError(scenario));
    const prompt = fields.prompt as string;
    if (session.messages.length === 0 && typeof fields.model_type === "string") session.modelType = fields.model_type;
    const answerIds = ids(session, session.messages.length + 1, fields);
    const streamKey = key(session.id, answerIds.responseMessageId);

    // In-stream refusals: the message is not kept, so the same parent works on the next try.
    const hint =
      tooBusy(caller) ? { content: CONCURRENCY_TEXT, finishReason: "rate_limit_reached", clickBehavior: "retry" as const }
      : scenario?.kind === "rate-limit" ? { content: RATE_LIMIT_TEXT, finishReason: "rate_limit_reached", clickBehavior: "retry" as const }
      : scenario?.kind === "input-too-long" || prompt.length > (options.maxPromptChars ?? Infinity)
        ? { content: INPUT_TOO_LONG_TEXT, finishReason: "input_exceeds_limit", clickBehavior: "none" as const }
        : undefined;
    if (hint !== undefined) {
      await stream(res, entry, caller, streamKey, hintRound(answerIds, settings, hint));
      return;
    }

    const title = session.title === null ? titleOf(prompt) : undefined;
    if (title !== undefined) session.title = title;
    if (scenario?.kind === "replay") {
      const [first = "", ...later] = replayRounds(scenario.capture);
      const rounds = [first, ...later];
      const captured = readyIds(first) ?? { request: answerIds.requestMessageId, response: answerIds.responseMessageId };
      verdict.challenge.usedBy.messageId = captured.response;
      const message = record(session, prompt, parent, captured.request, rounds.length > 1 ? "INCOMPLETE" : "FINISHED");
      if (rounds.length > 1) continuations.set(key(session.id, captured.response), { kind: "replay", rounds: rounds.slice(1) });
      const outcome = await stream(res, entry, caller, key(session.id, captured.response), [first]);
      if (outcome === "stopped") message.status = "INCOMPLETE";
      return;
    }
    verdict.challenge.usedBy.messageId = answerIds.responseMessageId;
    const message = record(session, prompt, parent, answerIds.requestMessageId, "WIP");
    const context: ReplyContext = {
      prompt,
      sessionId: session.id,
      parentMessageId: parent as number | null,
      requestMessageId: answerIds.requestMessageId,
      responseMessageId: answerIds.responseMessageId,
      thinkingEnabled: answerIds.thinkingEnabled,
      searchEnabled: answerIds.searchEnabled,
      modelType: session.modelType,
      token: caller.token,
      body: fields,
    };
    const reply = await resolveReply(ctx.takeReply(), context);
    const round = plan(scenario, answerIds, reply, prompt, title);
    message.text = round.status === "CONTENT_FILTER" ? REFUSAL_TEXT : reply.text;
    message.status = round.status;
    if (round.progress !== undefined) continuations.set(streamKey, { kind: "answer", progress: round.progress });
    const dropBefore = scenario?.kind === "drop" ? (scenario.afterFrames ?? 4) : undefined;
    const outcome = await stream(res, entry, caller, streamKey, round.frames, dropBefore);
    if (outcome === "stopped") {
      message.status = "INCOMPLETE";
      continuations.delete(streamKey);
    }
  }

  async function resume(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest, caller: Caller, fields: Fields, scenario: DoubleScenario | undefined) {
    if (typeof fields.chat_session_id !== "string") return sendMissingField(res, entry, "chat_session_id");
    if (!Number.isSafeInteger(fields.message_id)) return sendMissingField(res, entry, "message_id");
    const session = ctx.ownedSession(caller, fields.chat_session_id);
    if (session === undefined) return sendJson(res, entry, 200, bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
    const messageId = fields.message_id as number;
    // ds2api sends the completion's own header again with /chat/continue (§5.1), so a challenge spent on this
    // message is accepted; anything else must be fresh.
    const verdict = ctx.ledger.verify(
      powHeader(req),
      [COMPLETION_PATH, CONTINUE_PATH],
      (spent) => spent.usedBy?.sessionId === session.id && spent.usedBy.messageId === messageId,
    );
    if (!verdict.ok) return rejectPow(res, entry, verdict.reason);
    verdict.challenge.usedBy ??= { path: CONTINUE_PATH, sessionId: session.id, messageId };
    const streamKey = key(session.id, messageId);
    const continuation = continuations.get(streamKey);
    const message = session.messages.find((m) => m.id === messageId && m.role === "ASSISTANT");
    if (continuation === undefined || message === undefined) return sendJson(res, entry, 200, bizError(26, "invalid message id"));
    if (scenario?.kind === "json-error") return sendJson(res, entry, scenario.status ?? 200, scriptedError(scenario));
    if (tooBusy(caller)) {
      const readyIds = { ...ids(session, messageId - 1, {}), modelType: session.modelType };
      const busy = hintRound(readyIds, settings, { content: CONCURRENCY_TEXT, finishReason: "rate_limit_reached", clickBehavior: "retry" });
      await stream(res, entry, caller, streamKey, busy);
      return;
    }
    let frames: string[];
    if (continuation.kind === "replay") {
      frames = [continuation.rounds.shift() ?? ""];
      message.status = continuation.rounds.length > 0 ? "INCOMPLETE" : "FINISHED";
      if (continuation.rounds.length === 0) continuations.delete(streamKey);
    } else {
      const round = continueRound(continuation.progress, settings);
      frames = round.frames;
      message.status = round.status;
      if (round.progress === undefined) continuations.delete(streamKey);
    }
    const dropBefore = scenario?.kind === "drop" ? (scenario.afterFrames ?? 4) : undefined;
    const outcome = await stream(res, entry, caller, streamKey, frames, dropBefore);
    if (outcome === "stopped") {
      message.status = "INCOMPLETE";
      continuations.delete(streamKey);
    }
  }

  function stop(caller: Caller, fields: Fields): void {
    const session = ctx.ownedSession(caller, fields.chat_session_id);
    if (session === undefined || !Number.isSafeInteger(fields.message_id)) return;
    const control = streaming.get(key(session.id, fields.message_id as number));
    if (control !== undefined) control.stop = true;
  }

  /** Adds the user message and the answer placeholder; the session now expects the answer as the next parent. */
  function record(session: DoubleSession, prompt: string, parent: unknown, requestId: number, status: MessageStatus): DoubleMessage {
    const answer: DoubleMessage = { id: requestId + 1, role: "ASSISTANT", parentId: requestId, text: "", status };
    session.messages.push({ id: requestId, role: "USER", parentId: parent as number | null, text: prompt }, answer);
    session.lastResponseMessageId = answer.id;
    session.updatedAt = ctx.now() / 1000;
    return answer;
  }

  return { completion, continue: resume, stop };
}

async function resolveReply(script: ReplyScript, context: ReplyContext): Promise<DoubleReply> {
  const reply = typeof script === "function" ? await script(context) : script;
  return typeof reply === "string" ? { text: reply } : reply;
}

function powHeader(req: IncomingMessage): string | undefined {
  const value = req.headers["x-ds-pow-response"];
  return Array.isArray(value) ? value[0] : value;
}

/** The auto-generated session title: the prompt's first words. */
function titleOf(prompt: string): string {
  const words = Array.from(prompt.replace(/\s+/g, " ").trim()).slice(0, 20).join("");
  return words === "" ? "New chat" : words;
}
