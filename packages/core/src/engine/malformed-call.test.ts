import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { PolicyViolationError } from "../policy/policy-violation.js";
import { type ReplayUpstreamOptions, createReplayUpstream } from "../testing/create-replay-upstream.js";
import { body, call, strict, timeTool, weatherTool } from "./__fixtures__/requests.js";
import { runEngine } from "./run-engine.js";

function setup(responses: ReplayUpstreamOptions["responses"]) {
  return { upstream: createReplayUpstream({ responses }), upstreamModel: "up", signal: new AbortController().signal };
}

async function run(request: Record<string, unknown>, context: ReturnType<typeof setup>) {
  const { events, stats } = await runEngine(decodeChatCompletionRequest(request), context);
  const seen: CanonicalEvent[] = [];
  for await (const event of events) seen.push(event);
  return { events: seen, stats };
}

const text = (events: CanonicalEvent[]) => events.flatMap((e) => (e.type === "text" ? [e.text] : [])).join("");
const ends = (events: CanonicalEvent[]) => events.flatMap((e) => (e.type === "tool-call-end" ? [e.arguments] : []));
const deltas = (events: CanonicalEvent[]) => events.flatMap((e) => (e.type === "tool-call-delta" ? [e.argumentsDelta] : [])).join("");
/** A call in toolshim's marker with a body written exactly as given (the replay upstream fills in the nonce). */
const block = (json: string) => `<call:{{nonce}}>${json}</call:{{nonce}}>`;

describe("a broken call in toolshim's marker is repaired before the upstream is asked again", () => {
  it("not streamed: single quotes and a trailing comma are repaired, on the first attempt", async () => {
    const context = setup({ text: block(`{'name': 'get_weather', 'arguments': {'city': 'Paris',}}`) });
    const { events, stats } = await run(body(), context);
    expect(ends(events)).toEqual(['{"city": "Paris"}']);
    expect(deltas(events)).toBe('{"city": "Paris"}');
    expect(stats).toMatchObject({ attempts: 1, toolCalls: 1, finishReason: "tool_calls", violations: ["malformed_call"] });
    expect(stats.violationDetails?.[0]).toMatchObject({ fatal: false });
  });

  it("streamed: a repair that only appends (a missing brace) completes the call already streaming", async () => {
    const { events, stats } = await run(
      { ...body(), stream: true },
      setup({ text: `Checking.${block('{"name": "get_weather", "arguments": {"city": "Paris"}')}`, chunkSize: 3 }),
    );
    expect(deltas(events)).toBe('{"city": "Paris"}');
    expect(ends(events)).toEqual(['{"city": "Paris"}']);
    expect(stats).toMatchObject({ attempts: 1, toolCalls: 1 });
  });

  it("streamed: a repair that would change what already streamed is refused (an error event, not a silent edit)", async () => {
    const context = setup({ text: block('{"name": "get_weather", "arguments": {"city": "Paris",}}'), chunkSize: 3 });
    const { events } = await runEngine(decodeChatCompletionRequest({ ...body(), stream: true }), context);
    const failure = await (async () => {
      for await (const _ of events) {
        // drained
      }
    })().catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 502, code: "malformed_call" });
  });

  it("streamed, strict: the call is held until complete, so any repair can still be used", async () => {
    const request = { ...body({ tools: [strict(weatherTool), timeTool] }), stream: true };
    const { events, stats } = await run(request, setup({ text: block(`{"name": "get_weather", "arguments": {"city": 'Oslo',}}`), chunkSize: 2 }));
    expect(deltas(events)).toBe('{"city": "Oslo"}');
    expect(stats).toMatchObject({ attempts: 1, toolCalls: 1 });
  });

  it("repaired arguments must match the schema, strict tool or not (otherwise the upstream is asked again)", async () => {
    for (const tools of [[strict(weatherTool)], [weatherTool]]) {
      const context = setup([{ text: block(`{'name': 'get_weather', 'arguments': {'town': 'Oslo'}}`) }, { text: call("get_weather", '{"city": "Oslo"}') }]);
      const { events, stats } = await run(body({ tools }), context);
      expect(ends(events)).toEqual(['{"city": "Oslo"}']);
      expect(stats.violations).toEqual(["malformed_call"]);
      expect(stats.violationDetails?.[0]?.message).toContain("repaired");
      expect(stats.attempts).toBe(2);
    }
  });

  it("a repair never supplies a value the model did not write", async () => {
    const context = setup([{ text: block('{"name": "get_weather", "arguments": {"city": ]]]}}') }, { text: call("get_weather", '{"city": "Oslo"}') }]);
    const { stats } = await run(body(), context);
    expect(stats).toMatchObject({ attempts: 2, violations: ["malformed_call"] });
  });

  it("an undeclared tool is unknown_tool, written intact or broken", async () => {
    for (const reply of [call("send_money", "{}"), block(`{'name': 'send_money', 'arguments': {'to': 'x',}}`)]) {
      const failure = await run(body({ tool_choice: "required" }), setup({ text: reply })).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PolicyViolationError);
      expect(failure).toMatchObject({ status: 502, code: "unknown_tool" });
    }
  });
});

describe("a call the model breaks beyond repair, twice", () => {
  // Not JSON, and jsonrepair could only make it so by inventing a value.
  const broken = block('{"name": "get_weather", "arguments": {"city": ]]]}}');

  it("tool_choice auto, no strict tool: the client gets the model's text instead of a 502", async () => {
    const context = setup({ text: `<think>hm</think>Let me look.\n${broken}` });
    const { events, stats } = await run(body(), context);
    expect(events.filter((e) => e.type.startsWith("tool-call"))).toEqual([]);
    expect(text(events)).toBe(`Let me look.\n${broken.replaceAll("{{nonce}}", nonceOf(context))}`);
    expect(events.find((e) => e.type === "reasoning")).toEqual({ type: "reasoning", text: "hm" });
    expect(events.at(-1)).toEqual({ type: "finish", reason: "stop" });
    expect(stats).toMatchObject({ attempts: 2, answeredAsText: true, toolCalls: 0, finishReason: "stop" });
  });

  it("streamed too, when the call broke before it started (nothing reached the client)", async () => {
    const header = block('{"name": 42, "arguments": {}}');
    const { events, stats } = await run({ ...body(), stream: true }, setup({ text: header, chunkSize: 5 }));
    expect(events.some((e) => e.type.startsWith("tool-call"))).toBe(false);
    expect(text(events)).toContain('{"name": 42, "arguments": {}}');
    expect(stats).toMatchObject({ attempts: 2, answeredAsText: true, finishReason: "stop" });
  });

  it.each([
    ["tool_choice required", body({ tool_choice: "required" })],
    ["a named tool_choice", body({ tool_choice: { type: "function", function: { name: "get_weather" } } })],
    ["a strict tool", body({ tools: [strict(weatherTool), timeTool] })],
  ])("%s keeps the 502", async (_, request) => {
    const failure = await run(request, setup({ text: broken })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PolicyViolationError);
    expect(failure).toMatchObject({ status: 502, code: "malformed_call" });
  });
});

/** The nonce the replay upstream filled into the last request's instructions. */
function nonceOf(context: ReturnType<typeof setup>): string {
  const prompt = JSON.stringify(context.upstream.requests.at(-1)?.messages ?? []);
  return /<call:([A-Za-z0-9]+)>/.exec(prompt)?.[1] ?? "";
}
