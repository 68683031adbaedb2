import { AnswerStream, elapsedSeconds, type AnswerIds, type StreamSettings } from "./answer-stream.js";
import type { MessageStatus } from "./double-types.js";

/** The answer cut into tokens. */
export interface PlannedAnswer {
  /** Empty when thinking is off. */
  thinking: string[];
  text: string[];
  tip: boolean;
}

/** Where an answer stands between rounds (INCOMPLETE → `/chat/continue`). */
export interface AnswerProgress {
  answer: PlannedAnswer;
  ids: AnswerIds;
  /** Tokens of thinking + text already sent. */
  position: number;
  /** Positions where the remaining rounds stop INCOMPLETE. */
  cuts: number[];
  tokensSent: number;
  nextFragmentId: number;
  thinkElapsed?: number;
  responseFragment?: { id: number; stage: number };
  /** Whether the session still needs its title event. */
  needsTitle: boolean;
  title: string;
}

export interface RoundResult {
  frames: string[];
  status: MessageStatus;
  /** Set when the answer continues in another round. */
  progress?: AnswerProgress;
}

/**
 * The first round of an answer: everything, or (with `incompleteRounds`) up to the first cut, ending INCOMPLETE.
 * `ending` selects the content-filter or empty-output variants.
 */
export function firstRound(
  answer: PlannedAnswer,
  ids: AnswerIds,
  settings: StreamSettings,
  options: { title: string; needsTitle: boolean; incompleteRounds?: number; ending?: "content-filter" },
): RoundResult {
  const total = answer.thinking.length + answer.text.length;
  const rounds = Math.min(options.incompleteRounds ?? 0, Math.max(total - 1, 0));
  const cuts = Array.from({ length: rounds }, (_, k) => Math.max(1, Math.floor((total * (k + 1)) / (rounds + 1))));
  const progress: AnswerProgress = {
    answer,
    ids,
    position: 0,
    cuts,
    tokensSent: 0,
    nextFragmentId: ids.responseMessageId,
    needsTitle: options.needsTitle,
    title: options.title,
  };
  const stream = new AnswerStream(ids, settings);
  stream.ready();
  stream.updateSession();
  if (answer.thinking.length > 0) {
    stream.snapshot([stream.fragment("THINK", answer.thinking[0] ?? "", 1)]);
    stream.countToken();
    progress.position = 1;
  } else {
    const id = stream.nextFragmentId;
    stream.snapshot([stream.fragment("RESPONSE", answer.text[0] ?? "", 1)]);
    progress.responseFragment = { id, stage: 1 };
    if (answer.text.length > 0) {
      stream.countToken();
      progress.position = 1;
    }
  }
  if (options.ending === "content-filter") {
    sendTokens(stream, progress, total, 1);
    closeThinkIfOpen(stream, progress);
    stream.tip();
    stream.quasiStatus("FINISHED");
    stream.keepAlive();
    stream.contentFilter();
    stream.tail(undefined);
    return { frames: stream.frames, status: "CONTENT_FILTER" };
  }
  return endRound(stream, progress, 1);
}

/** A `/chat/continue` round: a snapshot replaying everything so far, then the rest up to the next cut. */
export function continueRound(progress: AnswerProgress, settings: StreamSettings): RoundResult {
  const { answer, ids } = progress;
  const stream = new AnswerStream(ids, settings, progress);
  stream.ready();
  stream.keepAlive();
  stream.updateSession();
  const thinkingSoFar = answer.thinking.slice(0, Math.min(progress.position, answer.thinking.length)).join("");
  const fragments: unknown[] = [];
  if (answer.thinking.length > 0) {
    fragments.push({ id: ids.responseMessageId, type: "THINK", content: thinkingSoFar, elapsed_secs: progress.thinkElapsed ?? null, references: [], stage_id: 1 });
  }
  if (progress.responseFragment !== undefined) {
    const textSoFar = answer.text.slice(0, progress.position - answer.thinking.length).join("");
    fragments.push({ id: progress.responseFragment.id, type: "RESPONSE", content: textSoFar, references: [], stage_id: progress.responseFragment.stage });
  }
  // The replayed snapshot carries the original insertion time at millisecond precision, as in capture F.
  stream.snapshot(fragments, { accumulatedTokenUsage: progress.tokensSent, insertedAt: Math.floor(ids.insertedAt * 1000) / 1000 });
  // A RESPONSE fragment opened in a continue round has stage_id 0 in capture F.
  return endRound(stream, progress, 0);
}

function endRound(stream: AnswerStream, progress: AnswerProgress, responseStage: number): RoundResult {
  const total = progress.answer.thinking.length + progress.answer.text.length;
  const cut = progress.cuts.shift();
  sendTokens(stream, progress, cut ?? total, responseStage);
  const title = progress.needsTitle ? progress.title : undefined;
  progress.needsTitle = false;
  if (cut !== undefined) {
    stream.quasiStatus("INCOMPLETE");
    if (progress.position <= progress.answer.thinking.length && progress.responseFragment === undefined) {
      progress.thinkElapsed = elapsedSeconds(progress.position);
      stream.elapsed(progress.thinkElapsed);
    }
    stream.status("INCOMPLETE");
    stream.tail(title);
    progress.tokensSent = stream.tokensSent;
    progress.nextFragmentId = stream.nextFragmentId;
    return { frames: stream.frames, status: "INCOMPLETE", progress };
  }
  closeThinkIfOpen(stream, progress);
  if (progress.answer.tip) stream.tip();
  stream.quasiStatus("FINISHED");
  stream.status("FINISHED");
  stream.tail(title);
  return { frames: stream.frames, status: "FINISHED" };
}

function sendTokens(stream: AnswerStream, progress: AnswerProgress, to: number, responseStage: number): void {
  const { thinking, text } = progress.answer;
  while (progress.position < to) {
    const p = progress.position++;
    if (p < thinking.length) {
      stream.token(thinking[p] ?? "");
      continue;
    }
    const token = text[p - thinking.length] ?? "";
    if (progress.responseFragment === undefined) {
      closeThinkIfOpen(stream, progress);
      const id = stream.nextFragmentId;
      stream.appendFragments([stream.fragment("RESPONSE", token, responseStage)]);
      stream.countToken();
      progress.responseFragment = { id, stage: responseStage };
    } else {
      stream.token(token);
    }
  }
}

/**
 * Ends the THINK fragment (its `elapsed_secs`) once all reasoning has been sent and no answer has started. After an
 * INCOMPLETE round it is set again with the full duration, as in capture F.
 */
function closeThinkIfOpen(stream: AnswerStream, progress: AnswerProgress): void {
  const thinkingLength = progress.answer.thinking.length;
  if (thinkingLength === 0 || progress.responseFragment !== undefined || progress.position < thinkingLength) return;
  progress.thinkElapsed = elapsedSeconds(thinkingLength);
  stream.elapsed(progress.thinkElapsed);
}

/** `ready`, then an in-stream error `hint` and `close` (capture H); no status frame. */
export function hintRound(ids: AnswerIds, settings: StreamSettings, hint: { content: string; finishReason: string; clickBehavior: "none" | "retry" }): string[] {
  const stream = new AnswerStream(ids, settings);
  stream.ready();
  stream.hint(hint.content, hint.finishReason, hint.clickBehavior);
  return stream.frames;
}
