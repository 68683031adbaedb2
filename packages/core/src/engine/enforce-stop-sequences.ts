import type { CanonicalEvent } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";

/**
 * The client's stop strings, enforced by toolshim on the answer's text for every upstream (web chats have no `stop`
 * parameter, and an upstream that stops by itself does not say which string it met). The text ends just before the
 * first stop string; the finish event names it, and the rest of the upstream's answer, tool calls included, is not
 * read (leaving the loop returns the source, which stops the upstream). Reasoning and tool-call arguments are not text
 * and are never cut. Only a suffix that could begin a stop string is held back, so text still streams.
 */
export async function* enforceStopSequences(events: AsyncIterable<CanonicalEvent>, stop: readonly string[]): AsyncGenerator<CanonicalEvent> {
  const matcher = new StopMatcher(stop);
  let called = false;
  for await (const event of events) {
    if (event.type === "tool-call-end") called = true;
    if (event.type !== "text") {
      const held = matcher.flush();
      if (held !== "") yield { type: "text", text: held };
      yield event;
      continue;
    }
    const { text, matched } = matcher.push(event.text);
    if (text !== "") yield { type: "text", text };
    if (matched !== undefined) {
      // Calls already made stand: the answer still ends with them, as the API reports any answer with calls.
      yield { type: "finish", reason: called ? "tool_calls" : "stop", stopSequence: matched };
      return;
    }
  }
  const held = matcher.flush();
  if (held !== "") yield { type: "text", text: held };
}

/** At most this many stop strings, each at most MAX_STOP_LENGTH characters: matching costs that much per character. */
export const MAX_STOP_SEQUENCES = 32;
export const MAX_STOP_LENGTH = 1000;

/**
 * Finds the first stop string in text that arrives in pieces, as a model that checks after every token would: the one
 * that ends first (the longest, when several end at once). One KMP automaton per string, so each character costs
 * O(number of strings) however the text is split; exported for tests.
 */
export class StopMatcher {
  private readonly automata: { sequence: string; failure: Int32Array; state: number }[];
  private held = "";

  constructor(stop: readonly string[]) {
    this.automata = stop.filter((sequence) => sequence !== "").map((sequence) => ({ sequence, failure: failureTable(sequence), state: 0 }));
  }

  /** The text that may go out now, and the stop string met (everything from it on is dropped). */
  push(chunk: string): { text: string; matched?: string } {
    const text = this.held + chunk;
    for (let i = this.held.length; i < text.length; i++) {
      let matched: string | undefined;
      for (const automaton of this.automata) {
        if (advance(automaton, text.charCodeAt(i)) && (matched === undefined || automaton.sequence.length > matched.length)) {
          matched = automaton.sequence;
        }
      }
      if (matched !== undefined) {
        this.held = "";
        for (const automaton of this.automata) automaton.state = 0;
        return { text: text.slice(0, i + 1 - matched.length), matched };
      }
    }
    // What could still become a stop string is the longest partial match.
    const keep = Math.max(0, ...this.automata.map((automaton) => automaton.state));
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep) };
  }

  /** The held-back text, released when the text ends without meeting a stop string. */
  flush(): string {
    const held = this.held;
    this.held = "";
    for (const automaton of this.automata) automaton.state = 0;
    return held;
  }
}

/** Feeds one UTF-16 unit; true when the whole sequence was just matched. */
function advance(automaton: { sequence: string; failure: Int32Array; state: number }, unit: number): boolean {
  const { sequence, failure } = automaton;
  let state = automaton.state;
  while (state > 0 && sequence.charCodeAt(state) !== unit) state = failure[state - 1]!;
  if (sequence.charCodeAt(state) === unit) state++;
  if (state === sequence.length) {
    automaton.state = failure[state - 1]!;
    return true;
  }
  automaton.state = state;
  return false;
}

/** KMP: for each prefix, the length of its longest proper prefix that is also its suffix. */
function failureTable(sequence: string): Int32Array {
  const failure = new Int32Array(sequence.length);
  for (let i = 1, k = 0; i < sequence.length; i++) {
    while (k > 0 && sequence.charCodeAt(i) !== sequence.charCodeAt(k)) k = failure[k - 1]!;
    if (sequence.charCodeAt(i) === sequence.charCodeAt(k)) k++;
    failure[i] = k;
  }
  return failure;
}

/**
 * The request the upstream gets when toolshim enforces the stop strings itself: without them, so an upstream cannot
 * end the answer early without saying which string it met, nor cut an emulated call whose arguments contain one.
 */
export function withoutStopSequences<R extends { options: { stop?: string[] } }>(request: R, param: string): { request: R; stop: string[] } {
  const { stop, ...options } = request.options;
  if (!stop?.length) return { request, stop: [] };
  if (stop.length > MAX_STOP_SEQUENCES) {
    throw new InvalidRequestError(`${param}: ${stop.length} stop strings given; send at most ${MAX_STOP_SEQUENCES}.`, param);
  }
  const long = stop.findIndex((sequence) => sequence.length > MAX_STOP_LENGTH);
  if (long >= 0) {
    throw new InvalidRequestError(`${param}.${long}: the stop string is ${stop[long]!.length} characters long; keep each to at most ${MAX_STOP_LENGTH}.`, `${param}.${long}`);
  }
  return { request: { ...request, options }, stop };
}
