import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { createMessage } from "../anthropic/create-message.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { createChatCompletion } from "./create-chat-completion.js";
import { enforceStopSequences, MAX_STOP_LENGTH, MAX_STOP_SEQUENCES, StopMatcher } from "./enforce-stop-sequences.js";

async function collect(events: AsyncIterable<CanonicalEvent>): Promise<CanonicalEvent[]> {
  const out: CanonicalEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

async function* from(events: CanonicalEvent[]): AsyncGenerator<CanonicalEvent> {
  yield* events;
}

/** The text the matcher lets out and the stop string it met, for `text` cut at `cuts`. */
function run(stop: string[], text: string, cuts: number[]): { text: string; matched?: string } {
  const matcher = new StopMatcher(stop);
  let out = "";
  const bounds = [0, ...cuts, text.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const step = matcher.push(text.slice(bounds[i], bounds[i + 1]));
    out += step.text;
    if (step.matched !== undefined) return { text: out, matched: step.matched };
  }
  return { text: out + matcher.flush() };
}

describe("StopMatcher", () => {
  const stop = ["\n\nHuman:", "END", "ENDING"];
  const cases = [
    { text: "Hello there.\n\nHuman: more", expected: { text: "Hello there.", matched: "\n\nHuman:" } },
    { text: "Almost END then ENDING", expected: { text: "Almost ", matched: "END" } },
    { text: "No stop here, just EN", expected: { text: "No stop here, just EN" } },
    { text: "\n\nHuma\n\nHuman:", expected: { text: "\n\nHuma", matched: "\n\nHuman:" } },
  ];
  it("gives the same answer for every split of the text into two and three pieces", () => {
    for (const { text, expected } of cases) {
      for (let a = 0; a <= text.length; a++) {
        expect(run(stop, text, [a]), `${JSON.stringify(text)} cut at ${a}`).toEqual(expected);
        for (let b = a; b <= text.length; b++) expect(run(stop, text, [a, b])).toEqual(expected);
      }
    }
  });

  it("matches strings that overlap themselves, however the text is cut", () => {
    const stop = ["aab", "abab"];
    const text = "aaaabababab";
    for (let a = 0; a <= text.length; a++) expect(run(stop, text, [a])).toEqual({ text: "aa", matched: "aab" });
    expect(run(["abab"], "ababab", [1, 3])).toEqual({ text: "", matched: "abab" });
  });

  it("holds back only what could begin a stop string", () => {
    const matcher = new StopMatcher(["STOP"]);
    expect(matcher.push("abc ST")).toEqual({ text: "abc " });
    expect(matcher.push("ART")).toEqual({ text: "START" });
    expect(matcher.push("x")).toEqual({ text: "x" });
  });
});

describe("enforceStopSequences", () => {
  it("ends the text before the stop string, names it, and reads nothing after it", async () => {
    const events = await collect(
      enforceStopSequences(
        from([
          { type: "reasoning", text: "think STOP think" },
          { type: "text", text: "one ST" },
          { type: "text", text: "OP two" },
          { type: "tool-call-start", index: 0, id: "c", name: "f" },
          { type: "tool-call-end", index: 0, arguments: "{}" },
          { type: "finish", reason: "tool_calls" },
        ]),
        ["STOP"],
      ),
    );
    expect(events).toEqual([
      { type: "reasoning", text: "think STOP think" },
      { type: "text", text: "one " },
      { type: "finish", reason: "stop", stopSequence: "STOP" },
    ]);
  });

  it("releases held text before other events and keeps calls made before the stop string", async () => {
    const events = await collect(
      enforceStopSequences(
        from([
          { type: "text", text: "a S" },
          { type: "tool-call-start", index: 0, id: "c", name: "f" },
          { type: "tool-call-end", index: 0, arguments: "{}" },
          { type: "text", text: "STOP" },
          { type: "finish", reason: "tool_calls" },
        ]),
        ["STOP"],
      ),
    );
    expect(events).toEqual([
      { type: "text", text: "a " },
      { type: "text", text: "S" },
      { type: "tool-call-start", index: 0, id: "c", name: "f" },
      { type: "tool-call-end", index: 0, arguments: "{}" },
      { type: "finish", reason: "tool_calls", stopSequence: "STOP" },
    ]);
  });
});

describe("stop strings across APIs", () => {
  const context = (upstream: ReturnType<typeof createReplayUpstream>) => ({ upstream, upstreamModel: "replay", signal: new AbortController().signal });

  it("Anthropic: stop_reason stop_sequence, the upstream not asked to stop and not read past the string", async () => {
    const upstream = createReplayUpstream({ responses: { text: "Count: 1, 2, 3, 4, 5", chunkSize: 3 } });
    const body = { model: "m", max_tokens: 50, stop_sequences: ["3,"], stream: true, messages: [{ role: "user", content: "Count" }] };
    const result = await createMessage(body, context(upstream));
    if (!result.stream) throw new Error("expected a stream");
    const events = [];
    for await (const event of result.events) events.push(event);
    const text = events.map((e) => ((e.delta as { text?: string } | undefined)?.text ?? "")).join("");
    expect(text).toBe("Count: 1, 2, ");
    expect(events.at(-2)).toMatchObject({ type: "message_delta", delta: { stop_reason: "stop_sequence", stop_sequence: "3," } });
    expect(upstream.requests[0]!.options.stop).toBeUndefined();
    expect(upstream.openStreams).toBe(0);
  });

  it("refuses more stop strings, or longer ones, than matching may cost, naming the field", async () => {
    const upstream = createReplayUpstream({ responses: { text: "never asked" } });
    const many = Array.from({ length: MAX_STOP_SEQUENCES + 1 }, (_, i) => `s${i}`);
    const anthropic = { model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] };
    await expect(createMessage({ ...anthropic, stop_sequences: many }, context(upstream))).rejects.toMatchObject({ status: 400, param: "stop_sequences" });
    const long = ["ok", "x".repeat(MAX_STOP_LENGTH + 1)];
    await expect(createChatCompletion({ model: "m", stop: long, messages: [{ role: "user", content: "x" }] }, context(upstream))).rejects.toMatchObject({
      status: 400,
      param: "stop.1",
    });
    expect(upstream.requests).toEqual([]);
  });

  it("Chat Completions: the content ends before the stop string with finish_reason stop", async () => {
    const upstream = createReplayUpstream({ responses: { text: "Count: 1, 2, 3, 4, 5", chunkSize: 2 } });
    const result = await createChatCompletion({ model: "m", stop: ["3,", "9"], messages: [{ role: "user", content: "Count" }] }, context(upstream));
    if (result.stream) throw new Error("expected a completion");
    expect(result.response.choices[0]).toMatchObject({ finish_reason: "stop", message: { content: "Count: 1, 2, " } });
    expect(upstream.requests[0]!.options.stop).toBeUndefined();
  });
});
