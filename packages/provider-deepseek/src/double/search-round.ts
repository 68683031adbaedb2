import { AnswerStream, elapsedSeconds, type AnswerIds, type StreamSettings } from "./answer-stream.js";
import type { PlannedAnswer } from "./answer-rounds.js";

const MARKER = /\[reference:(\d+)\]/g;

/**
 * A search answer shaped like capture D: THINK (stage 1) → TOOL_SEARCH fragments appended by a BATCH, their results
 * and statuses set through negative indices → THINK (stage 2) → TOOL_OPEN fragments → THINK (stage 3) → RESPONSE,
 * whose `[reference:N]` markers travel as BATCHes on `response/fragments/-1` (pathless when consecutive).
 */
export function searchRound(
  answer: PlannedAnswer,
  ids: AnswerIds,
  settings: StreamSettings,
  options: { queries: string[]; title: string | undefined; publishedAt: number },
): string[] {
  const stream = new AnswerStream(ids, settings);
  const [stage1, stage2, stage3] = thirds(answer.thinking);
  stream.ready();
  stream.updateSession();
  if (stage1.length > 0) {
    stream.snapshot([stream.fragment("THINK", stage1[0] ?? "", 1)], { search: true });
    stream.countToken();
    for (const token of stage1.slice(1)) stream.token(token);
    stream.elapsed(elapsedSeconds(stage1.length));
  } else {
    stream.snapshot([], { search: true });
  }

  const searches = options.queries.map((query, index) => ({
    id: stream.nextFragmentId++,
    type: "TOOL_SEARCH",
    status: "WIP",
    content: null,
    queries: [{ query }],
    results: [],
    stage_id: 1,
    index,
  }));
  stream.patch("response/has_pending_fragment", "SET", true);
  stream.batch("response", [
    { p: "fragments", o: "APPEND", v: searches.map(({ index: _, ...fragment }) => fragment) },
    { p: "has_pending_fragment", o: "SET", v: false },
  ]);
  const results = searches.map((search) => resultsFor(search.queries[0]?.query ?? "", search.index, options.publishedAt));
  for (const search of searches) {
    const fromEnd = searches.length - search.index;
    stream.patch(`response/fragments/-${fromEnd}/results`, "SET", results[search.index]);
    stream.patch(`response/fragments/-${fromEnd}/status`, "SET", "FINISHED");
  }

  thinkStage(stream, stage2, 2);

  const opens = searches.map((search) => ({
    id: stream.nextFragmentId++,
    type: "TOOL_OPEN",
    status: "WIP",
    result: results[search.index]?.[0],
    reference: { id: search.id, type: "TOOL_SEARCH" },
    stage_id: 2,
  }));
  stream.patch("response/has_pending_fragment", "SET", true);
  stream.keepAlive();
  stream.batch("response", [
    { p: "fragments", o: "APPEND", v: opens },
    { p: "has_pending_fragment", o: "SET", v: false },
  ]);
  opens.forEach((_, index) => stream.patch(`response/fragments/-${opens.length - index}/status`, "SET", "FINISHED"));

  thinkStage(stream, stage3, 3);

  sendCitedText(stream, answer.text, opens.map((open) => open.id));
  if (answer.tip) stream.tip();
  stream.quasiStatus("FINISHED");
  stream.status("FINISHED");
  stream.tail(options.title);
  return stream.frames;
}

function thinkStage(stream: AnswerStream, tokens: string[], stage: number): void {
  if (tokens.length === 0) return;
  stream.patch("response/has_pending_fragment", "SET", true);
  stream.batch("response", [
    { p: "fragments", o: "APPEND", v: [stream.fragment("THINK", tokens[0] ?? "", stage)] },
    { p: "has_pending_fragment", o: "SET", v: false },
  ]);
  stream.countToken();
  for (const token of tokens.slice(1)) stream.token(token);
  stream.elapsed(elapsedSeconds(tokens.length));
}

/** The RESPONSE fragment; markers in the text become citation BATCHes pointing at the opened pages. */
function sendCitedText(stream: AnswerStream, tokens: string[], openIds: number[]): void {
  const pieces = splitMarkers(tokens.join(""), tokens);
  let opened = false;
  let cited = false;
  for (const piece of pieces) {
    if (!opened) {
      stream.appendFragments([stream.fragment("RESPONSE", piece.marker === undefined ? piece.text : "", 3)]);
      stream.countToken();
      opened = true;
      if (piece.marker === undefined) continue;
    }
    if (piece.marker === undefined) {
      stream.token(piece.text);
      continue;
    }
    const target = openIds.length > 0 ? openIds[piece.marker % openIds.length] : undefined;
    stream.batch("response/fragments/-1", [
      { p: "content", o: "APPEND", v: piece.text },
      { p: "references", o: cited ? "APPEND" : "SET", v: target === undefined ? [] : [{ id: target, type: "TOOL_OPEN" }] },
    ]);
    stream.countToken();
    cited = true;
  }
  if (!opened) {
    stream.appendFragments([stream.fragment("RESPONSE", "", 3)]);
  }
}

/** The token list with every `[reference:N]` marker as a piece of its own. */
function splitMarkers(text: string, tokens: string[]): { text: string; marker?: number }[] {
  if (text.search(MARKER) < 0) return tokens.map((token) => ({ text: token }));
  const pieces: { text: string; marker?: number }[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    retokenize(text.slice(last, match.index), pieces);
    pieces.push({ text: match[0], marker: Number(match[1]) });
    last = match.index + match[0].length;
  }
  retokenize(text.slice(last), pieces);
  return pieces;
}

/** Plain text between markers, in 1–3 character tokens (deterministic: the marker split already varies them). */
function retokenize(text: string, into: { text: string }[]): void {
  const chars = Array.from(text);
  for (let i = 0; i < chars.length; i += 1 + (i % 3)) into.push({ text: chars.slice(i, i + 1 + (i % 3)).join("") });
}

function thirds<T>(items: T[]): [T[], T[], T[]] {
  const a = Math.ceil(items.length / 3);
  const b = Math.ceil((items.length - a) / 2);
  return [items.slice(0, a), items.slice(a, a + b), items.slice(a + b)];
}

function resultsFor(query: string, index: number, publishedAt: number): Record<string, unknown>[] {
  return [0, 1].map((n) => ({
    url: `https://example.com/search/${index}/${n}`,
    title: `${query} (${n + 1})`,
    snippet: `A page about ${query}.`,
    cite_index: null,
    published_at: publishedAt,
    site_icon: "https://cdn.deepseek.com/site-icons/example.com",
    site_name: "Example",
    query_indexes: [0],
  }));
}
