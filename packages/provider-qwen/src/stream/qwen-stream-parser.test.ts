import { readFileSync } from "node:fs";
import { UpstreamError, type UpstreamEvent } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { type ParsedItem, QwenStreamParser } from "./qwen-stream-parser.js";

const context = { account: "alice@example.com", step: "streaming the answer", redact: (text: string) => text.replaceAll("s3cret", "[redacted]") };
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url)));

function parse(chunks: Uint8Array[]): ParsedItem[] {
  const parser = new QwenStreamParser(context);
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

const events = (items: ParsedItem[]): UpstreamEvent[] => items.flatMap((item) => (item.kind === "event" ? [item.event] : []));
const encode = (text: string) => new TextEncoder().encode(text);

function failureOf(text: string): unknown {
  try {
    parse([encode(text)]);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("QwenStreamParser", () => {
  it("reads the captured answer stream split at every byte position the same way", () => {
    const bytes = fixture("answer-2026-09-25.sse");
    const whole = parse([bytes]);
    expect(whole).toEqual([
      { kind: "created", responseId: "90fdc166-7ef4-41aa-b969-b99cbdfec0cd" },
      { kind: "event", event: { type: "text", text: "!" } },
      { kind: "event", event: { type: "usage", inputTokens: 1047, outputTokens: 6 } },
      { kind: "finished" },
    ]);
    for (let cut = 1; cut < bytes.length; cut++) expect(parse([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(whole);
  });

  it("emits only the growth of cumulative thinking summaries as reasoning, skips keep-alives, counts reasoning tokens", () => {
    const bytes = fixture("thinking-summary.sse");
    const seen = events(parse([bytes]));
    const reasoning = seen.flatMap((event) => (event.type === "reasoning" ? [event.text] : []));
    expect(reasoning).toEqual(["I recognize that 19 is close to 20, so I rewrite the multiplication as 17 times (20 minus 1)...\nThe outcome is 323.", "\n\n17 × 19 = 323 ✓"]);
    expect(seen.filter((event) => event.type === "text")).toEqual([{ type: "text", text: "17 × 19 = **323**" }]);
    expect(seen.at(-1)).toEqual({ type: "usage", inputTokens: 827, outputTokens: 97, reasoningTokens: 88 });
    // Split inside the multi-byte "×" and "✓" too.
    for (let cut = 1; cut < bytes.length; cut += 7) expect(events(parse([bytes.subarray(0, cut), bytes.subarray(cut)]))).toEqual(seen);
  });

  it("treats older think-phase text as reasoning and a missing phase as text", () => {
    const frames = [
      'data: {"choices": [{"delta": {"role": "assistant", "content": "hmm", "phase": "think", "status": "typing"}}]}\n\n',
      'data: {"choices": [{"delta": {"role": "assistant", "content": "Hi", "status": "typing"}}]}\n\n',
      'data: {"choices": [{"delta": {"content": "", "role": "assistant", "status": "finished"}}]}\n\n',
    ];
    expect(events(parse(frames.map(encode)))).toEqual([
      { type: "reasoning", text: "hmm" },
      { type: "text", text: "Hi" },
    ]);
  });

  it("ignores the web app's own tool phases (web search) instead of passing them off as the reply", () => {
    const frame = 'data: {"choices": [{"delta": {"role": "assistant", "content": "", "phase": "web_search", "name": "web_search", "extra": {"web_search_info": [{"title": "x"}]}, "status": "finished"}}]}\n\n';
    expect(events(parse([encode(frame)]))).toEqual([]);
  });

  it.each([
    ['data: {"error": {"code": "Too_Many_Requests", "details": "please slow down"}, "response_id": "r1"}\n\n', 429, "rate_limited"],
    ['data: {"error": {"code": "ContextLengthExceeded", "details": "too long"}, "response_id": "r1"}\n\n', 400, "context_length_exceeded"],
    ['data: {"error": {"code": "unauthorized", "details": "token s3cret expired"}, "response_id": "r1"}\n\n', 502, "upstream_auth_failed"],
    ['data: {"ret":["FAIL_SYS_USER_VALIDATE","RGV587_ERROR::SM::x"],"data":{"url":"https://chat.qwen.ai/_____tmd_____/punish"}}\n\n', 503, "human_verification_required"],
    ['data: {"output": {"text": "Hello"}}\n\n', 502, "upstream_changed"],
  ])("turns %s into a typed failure", (text, status, code) => {
    const error = failureOf(text);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status, code });
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("names the account and the way out in the WAF failure", () => {
    const error = failureOf('data: {"ret":["FAIL_SYS_USER_VALIDATE"]}\n\n') as Error;
    expect(error.message).toContain('account "alice@example.com"');
    expect(error.message).toMatch(/browser.*slider/);
  });

  it("takes the phase table from the protocol profile, so a renamed phase is a config change", () => {
    const frame = 'data: {"choices": [{"delta": {"role": "assistant", "content": "deep thought", "phase": "reasoning_v2", "status": "typing"}}]}\n\n';
    expect(events(parse([encode(frame)]))).toEqual([]);
    const parser = new QwenStreamParser(context, { reasoningPhases: ["reasoning_v2"], answerPhases: ["answer"], summaryPhase: "thinking_summary" });
    expect(parser.push(encode(frame))).toEqual([{ kind: "event", event: { type: "reasoning", text: "deep thought" } }]);
  });
});
