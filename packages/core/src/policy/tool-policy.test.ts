import { describe, expect, it } from "vitest";
import type { CanonicalRequest, ToolChoice, ToolDefinition } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import { type PolicyOutput, ToolPolicy, type UpstreamEndReason } from "./tool-policy.js";

const weather: ToolDefinition = {
  name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: false,
};
const time: ToolDefinition = { name: "get_time", parameters: { type: "object", properties: {} }, strict: false };

function policy(options: { choice?: ToolChoice; parallel?: boolean; tools?: ToolDefinition[]; legacy?: boolean } = {}) {
  const request: Pick<CanonicalRequest, "tools" | "toolChoice" | "parallelToolCalls" | "legacyFunctions"> = {
    tools: options.tools ?? [weather, time],
    toolChoice: options.choice ?? { type: "auto" },
    parallelToolCalls: options.parallel ?? true,
    legacyFunctions: options.legacy ?? false,
  };
  return new ToolPolicy(request);
}

/** A complete call as the scanner reports it, arguments split in two deltas. */
function call(index: number, name: string, args: string): ScanEvent[] {
  const cut = Math.floor(args.length / 2);
  return [
    { type: "call-start", index, name },
    { type: "call-delta", index, argumentsDelta: args.slice(0, cut) },
    { type: "call-delta", index, argumentsDelta: args.slice(cut) },
    { type: "call-end", index, arguments: args },
  ];
}

function run(subject: ToolPolicy, events: ScanEvent[], end: UpstreamEndReason = "stop", trailing: ScanEvent[] = []) {
  const outputs: PolicyOutput[] = events.flatMap((event) => subject.push(event));
  subject.upstreamEnded(end);
  outputs.push(...trailing.flatMap((event) => subject.push(event)));
  const result = subject.finish();
  outputs.push(...result.outputs);
  return { outputs, finishReason: result.finishReason, toolCalls: result.toolCalls };
}

const kinds = (outputs: PolicyOutput[]) => outputs.flatMap((o) => (o.type === "violation" ? [o.violation.kind] : []));
const calls = (outputs: PolicyOutput[]) => {
  const found: { index: number; name: string; arguments: string; complete: boolean }[] = [];
  for (const o of outputs) {
    if (o.type === "call-start") found[o.index] = { index: o.index, name: o.name, arguments: "", complete: false };
    if (o.type === "call-delta") (found[o.index] as { arguments: string }).arguments += o.argumentsDelta;
    if (o.type === "call-end") {
      const entry = found[o.index] as { arguments: string; complete: boolean };
      expect(entry.arguments).toBe(o.arguments);
      entry.complete = true;
    }
  }
  return found;
};

describe("ToolPolicy", () => {
  it("streams a non-strict call as parsed and finishes with tool_calls", () => {
    const subject = policy();
    const first = subject.push({ type: "call-start", index: 0, name: "get_weather" });
    expect(first).toEqual([{ type: "call-start", index: 0, name: "get_weather", source: "text" }]);
    expect(subject.push({ type: "call-delta", index: 0, argumentsDelta: '{"city"' })).toEqual([
      { type: "call-delta", index: 0, argumentsDelta: '{"city"' },
    ]);
    const { outputs, finishReason, toolCalls } = run(subject, [
      { type: "call-delta", index: 0, argumentsDelta: ':"Paris"}' },
      { type: "call-end", index: 0, arguments: '{"city":"Paris"}' },
    ]);
    expect(outputs.at(-1)).toEqual({ type: "call-end", index: 0, arguments: '{"city":"Paris"}' });
    expect(finishReason).toBe("tool_calls");
    expect(toolCalls).toBe(1);
  });

  it("text only finishes with stop, or length when the upstream was cut off", () => {
    expect(run(policy(), [{ type: "text", text: "hi" }]).finishReason).toBe("stop");
    expect(run(policy(), [{ type: "text", text: "hi" }], "length").finishReason).toBe("length");
    expect(run(policy(), [{ type: "text", text: "hi" }], "content-filter").finishReason).toBe("content_filter");
  });

  it("holds a strict call until it is complete and valid, then releases it whole", () => {
    const subject = policy({ tools: [{ ...weather, strict: true }] });
    const events = call(0, "get_weather", '{"city":"Rome"}');
    const early = events.slice(0, 3).flatMap((event) => subject.push(event));
    expect(early).toEqual([]);
    const late = subject.push(events[3] as ScanEvent);
    expect(late).toEqual([
      { type: "call-start", index: 0, name: "get_weather", source: "text" },
      { type: "call-delta", index: 0, argumentsDelta: '{"city":"Rome"}' },
      { type: "call-end", index: 0, arguments: '{"city":"Rome"}' },
    ]);
  });

  it("never lets invalid strict arguments through: the call is withheld and the violation is fatal", () => {
    const { outputs, toolCalls } = run(policy({ tools: [{ ...weather, strict: true }] }), call(0, "get_weather", '{"town":"Rome"}'));
    expect(calls(outputs)).toEqual([]);
    const violation = outputs.find((o) => o.type === "violation");
    expect(violation).toMatchObject({ violation: { kind: "invalid_arguments", fatal: true, toolName: "get_weather" } });
    expect(JSON.stringify(violation)).toContain("city");
    expect(toolCalls).toBe(0);
  });

  it("delivers schema-invalid non-strict arguments and records a non-fatal violation", () => {
    const { outputs, finishReason } = run(policy(), call(0, "get_weather", '{"town":"Rome"}'));
    expect(calls(outputs)).toEqual([{ index: 0, name: "get_weather", arguments: '{"town":"Rome"}', complete: true }]);
    expect(outputs.find((o) => o.type === "violation")).toMatchObject({ violation: { kind: "invalid_arguments", fatal: false } });
    expect(finishReason).toBe("tool_calls");
  });

  it("rejects calls to undeclared tools and to tools tool_choice does not allow, without leaking them", () => {
    const unknown = run(policy(), call(0, "delete_all", "{}"));
    expect(calls(unknown.outputs)).toEqual([]);
    expect(unknown.outputs).toEqual([expect.objectContaining({ type: "violation" })]);
    expect(kinds(unknown.outputs)).toEqual(["unknown_tool"]);

    const named = run(policy({ choice: { type: "function", name: "get_time" } }), call(0, "get_weather", '{"city":"x"}'));
    expect(kinds(named.outputs)).toEqual(["wrong_tool", "no_call_when_required"]);
    expect(calls(named.outputs)).toEqual([]);

    const subset = run(policy({ choice: { type: "allowed", mode: "auto", names: ["get_time"] } }), [
      ...call(0, "get_weather", '{"city":"x"}'),
      ...call(1, "get_time", "{}"),
    ]);
    expect(kinds(subset.outputs)).toEqual(["wrong_tool"]);
    expect(calls(subset.outputs)).toEqual([{ index: 0, name: "get_time", arguments: "{}", complete: true }]);
  });

  it("tool_choice none allows no call at all", () => {
    const { outputs } = run(policy({ choice: { type: "none" } }), call(0, "get_time", "{}"));
    expect(kinds(outputs)).toEqual(["wrong_tool"]);
    expect(calls(outputs)).toEqual([]);
  });

  it("required, named and allowed_tools required demand a call unless the upstream was cut off", () => {
    for (const choice of [
      { type: "required" },
      { type: "function", name: "get_time" },
      { type: "allowed", mode: "required", names: ["get_time"] },
    ] as ToolChoice[]) {
      expect(kinds(run(policy({ choice }), [{ type: "text", text: "no" }]).outputs)).toEqual(["no_call_when_required"]);
      expect(kinds(run(policy({ choice }), [{ type: "text", text: "no" }], "length").outputs)).toEqual([]);
      expect(kinds(run(policy({ choice }), call(0, "get_time", "{}")).outputs)).toEqual([]);
    }
    expect(kinds(run(policy({ choice: { type: "allowed", mode: "auto", names: ["get_time"] } }), []).outputs)).toEqual([]);
  });

  it("parallel_tool_calls false keeps the first call and drops later ones, markup and all", () => {
    const { outputs, toolCalls } = run(policy({ parallel: false }), [
      ...call(0, "get_weather", '{"city":"Paris"}'),
      { type: "text", text: "\n" },
      ...call(1, "get_weather", '{"city":"Rome"}'),
      ...call(2, "get_time", "{}"),
    ]);
    expect(calls(outputs)).toEqual([{ index: 0, name: "get_weather", arguments: '{"city":"Paris"}', complete: true }]);
    expect(kinds(outputs)).toEqual(["too_many_calls", "too_many_calls"]);
    expect(outputs.filter((o) => o.type === "violation").every((o) => o.type === "violation" && !o.violation.fatal)).toBe(true);
    expect(toolCalls).toBe(1);
  });

  it("a named tool_choice and the legacy functions API also allow one call", () => {
    const named = run(policy({ choice: { type: "function", name: "get_time" } }), [...call(0, "get_time", "{}"), ...call(1, "get_time", "{}")]);
    expect(named.toolCalls).toBe(1);
    const legacy = run(policy({ legacy: true }), [...call(0, "get_time", "{}"), ...call(1, "get_time", "{}")]);
    expect(legacy.toolCalls).toBe(1);
  });

  it("a rejected strict call frees its slot for a later valid one when only one call is allowed", () => {
    const { outputs } = run(policy({ parallel: false, tools: [{ ...weather, strict: true }, time] }), [
      ...call(0, "get_weather", "{}"),
      ...call(1, "get_time", "{}"),
    ]);
    expect(calls(outputs)).toEqual([{ index: 0, name: "get_time", arguments: "{}", complete: true }]);
  });

  it("renumbers calls 0..n-1 after drops and never interleaves them", () => {
    const { outputs } = run(policy(), [...call(0, "nope", "{}"), ...call(1, "get_time", "{}"), ...call(2, "get_weather", '{"city":"a"}')]);
    expect(calls(outputs).map((c) => [c.index, c.name])).toEqual([
      [0, "get_time"],
      [1, "get_weather"],
    ]);
  });

  it("queues a call that starts while another is still streaming, then releases it in order", () => {
    const subject = policy();
    const outputs = [
      { type: "call-start", index: 0, name: "get_weather" },
      { type: "call-delta", index: 0, argumentsDelta: '{"city":' },
    ].flatMap((e) => subject.push(e as ScanEvent, "native"));
    outputs.push(...call(0, "get_time", "{}").flatMap((e) => subject.push(e, "text")));
    expect(outputs.filter((o) => o.type === "call-start").length).toBe(1);
    outputs.push(...subject.push({ type: "call-delta", index: 0, argumentsDelta: '"x"}' }, "native"));
    outputs.push(...subject.push({ type: "call-end", index: 0, arguments: '{"city":"x"}' }, "native"));
    subject.upstreamEnded("stop");
    outputs.push(...subject.finish().outputs);
    expect(calls(outputs).map((c) => [c.name, c.complete])).toEqual([
      ["get_weather", true],
      ["get_time", true],
    ]);
    const order = outputs.map((o) => ("index" in o ? o.index : -1));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("a call cut off by the length limit is not claimed complete and finishes with length", () => {
    const streamed = run(
      policy(),
      [
        { type: "call-start", index: 0, name: "get_weather" },
        { type: "call-delta", index: 0, argumentsDelta: '{"city":"Par' },
      ],
      "length",
      [{ type: "call-invalid", index: 0, reason: "the text ended inside the call" }],
    );
    expect(calls(streamed.outputs)).toEqual([{ index: 0, name: "get_weather", arguments: '{"city":"Par', complete: false }]);
    expect(kinds(streamed.outputs)).toEqual(["truncated_call"]);
    expect(streamed.finishReason).toBe("length");
    expect(streamed.toolCalls).toBe(0);

    const strict = run(policy({ tools: [{ ...weather, strict: true }] }), call(0, "get_weather", "").slice(0, 2), "length");
    expect(calls(strict.outputs)).toEqual([]);
    expect(strict.finishReason).toBe("length");
  });

  it("a malformed call that was not cut off is a fatal violation", () => {
    const { outputs, finishReason } = run(policy(), [
      { type: "call-start", index: 0, name: "get_weather" },
      { type: "call-invalid", index: 0, reason: "the JSON is broken" },
    ]);
    expect(outputs.find((o) => o.type === "violation")).toMatchObject({ violation: { kind: "malformed_call", fatal: true } });
    expect(finishReason).toBe("stop");
  });

  it("reports a call the scanner gave up on before it started", () => {
    const rejected = run(policy(), [{ type: "call-invalid", index: 0, reason: '"rm" is not a declared tool' }]);
    expect(rejected.outputs).toEqual([
      {
        type: "violation",
        violation: { kind: "malformed_call", fatal: true, message: 'a tool call could not be used: "rm" is not a declared tool (declared: get_weather, get_time).' },
      },
    ]);
    const cut = run(policy(), [], "length", [{ type: "call-invalid", index: 0, reason: "the text ended in the header" }]);
    expect(kinds(cut.outputs)).toEqual(["truncated_call"]);
    expect(cut.finishReason).toBe("length");
  });

  it("a call still open when the upstream stops normally is malformed, not complete", () => {
    const { outputs } = run(policy(), [{ type: "call-start", index: 0, name: "get_time" }]);
    expect(kinds(outputs)).toEqual(["malformed_call"]);
    expect(outputs.some((o) => o.type === "call-end")).toBe(false);
  });

  it("a streamed call whose final arguments are not JSON is left unfinished with a fatal violation", () => {
    const { outputs } = run(policy(), [
      { type: "call-start", index: 0, name: "get_time" },
      { type: "call-end", index: 0, arguments: "{oops" },
    ]);
    expect(outputs.some((o) => o.type === "call-end")).toBe(false);
    expect(outputs.find((o) => o.type === "violation")).toMatchObject({ violation: { kind: "invalid_arguments", fatal: true } });
  });

  it("passes text and reasoning through untouched and drops empty pieces", () => {
    const subject = policy();
    expect(subject.push({ type: "text", text: "a" })).toEqual([{ type: "text", text: "a" }]);
    expect(subject.push({ type: "reasoning", text: "r" })).toEqual([{ type: "reasoning", text: "r" }]);
    expect(subject.push({ type: "text", text: "" })).toEqual([]);
  });
});
