import type { CanonicalEvent } from "../canonical.js";

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

/** Finds the first stop string in text that arrives in pieces; exported for tests. */
export class StopMatcher {
  private readonly stop: string[];
  private readonly longest: number;
  private held = "";

  constructor(stop: readonly string[]) {
    this.stop = stop.filter((sequence) => sequence !== "");
    this.longest = Math.max(0, ...this.stop.map((sequence) => sequence.length));
  }

  /** The text that may go out now, and the stop string met (everything from it on is dropped). */
  push(chunk: string): { text: string; matched?: string } {
    const text = this.held + chunk;
    let at = -1;
    let matched: string | undefined;
    for (const sequence of this.stop) {
      const index = text.indexOf(sequence);
      // Earliest start wins; at the same start the shorter one, which a model stopping there would have met first.
      if (index >= 0 && (at < 0 || index < at || (index === at && sequence.length < matched!.length))) {
        at = index;
        matched = sequence;
      }
    }
    if (matched !== undefined) {
      this.held = "";
      return { text: text.slice(0, at), matched };
    }
    const keep = this.partialSuffix(text);
    this.held = text.slice(text.length - keep);
    return { text: text.slice(0, text.length - keep) };
  }

  /** The held-back text, released when the text ends without meeting a stop string. */
  flush(): string {
    const held = this.held;
    this.held = "";
    return held;
  }

  /** Length of the longest end of `text` that could begin a stop string. */
  private partialSuffix(text: string): number {
    for (let length = Math.min(text.length, this.longest - 1); length > 0; length--) {
      const suffix = text.slice(text.length - length);
      if (this.stop.some((sequence) => sequence.startsWith(suffix))) return length;
    }
    return 0;
  }
}

/**
 * The request the upstream gets when toolshim enforces the stop strings itself: without them, so an upstream cannot
 * end the answer early without saying which string it met, nor cut an emulated call whose arguments contain one.
 */
export function withoutStopSequences<R extends { options: { stop?: string[] } }>(request: R): { request: R; stop: string[] } {
  const { stop, ...options } = request.options;
  if (!stop?.length) return { request, stop: [] };
  return { request: { ...request, options }, stop };
}
