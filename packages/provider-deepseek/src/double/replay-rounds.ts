import { CAPTURES, type CaptureId } from "./captures.js";

/**
 * The HTTP bodies a capture is made of, one per upstream round (a completion, then each `/chat/continue`), byte for
 * byte. A leading JSON line (the `upload_file` answer captured before B and C) is not part of the stream and is left
 * out. The capture block cannot show the blank line that ended its last event, so it is restored: for capture A this
 * gives exactly the 4 702 bytes the reference reports for the original file.
 */
export function replayRounds(id: CaptureId): string[] {
  const text = CAPTURES[id].text;
  const body = text.startsWith("{") ? text.slice(text.indexOf("\n") + 1) : text;
  const rounds: string[] = [];
  let start = 0;
  for (const match of body.matchAll(/event: close\ndata: [^\n]*\n/g)) {
    let end = match.index + match[0].length;
    if (body[end] === "\n") end++;
    rounds.push(body.slice(start, end));
    start = end;
  }
  if (start < body.length) rounds.push(body.slice(start));
  rounds[rounds.length - 1] += "\n";
  return rounds;
}

/** The ids of the first `ready` event of a round. */
export function readyIds(round: string): { request: number; response: number } | undefined {
  const match = /event: ready\ndata: (\{[^\n]*\})/.exec(round);
  if (match === null) return undefined;
  const ready = JSON.parse(match[1] ?? "{}") as { request_message_id?: unknown; response_message_id?: unknown };
  if (typeof ready.request_message_id !== "number" || typeof ready.response_message_id !== "number") return undefined;
  return { request: ready.request_message_id, response: ready.response_message_id };
}
