import type { RecordedRequest } from "@toolshim/provider-generic/double";
import { describe, expect, it } from "vitest";
import {
  cases,
  execute,
  expectConversation,
  gatewayForFile,
  MODELS,
  playScenario,
  postChat,
  readRequest,
  renderCalls,
  scenarioNamed,
  scenarios,
  startGateway,
  type Gateway,
  type ObservedCall,
  type Scenario,
} from "./harness/index.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

/** The parts of a streamed chunk the guide's loop reads. */
interface GuideToolCall {
  index: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}
interface GuideChunk {
  choices: { delta: { content?: string | null; tool_calls?: GuideToolCall[] }; finish_reason: string | null }[];
}

/**
 * The accumulation loop of OpenAI's function-calling guide (section "Streaming"), as the guide writes it for Node:
 * the first delta seen for an index becomes the call, and every delta's `function.arguments`, the first one's
 * included, is appended to it. A server that puts arguments in a call's opening delta gets them doubled here.
 */
function accumulateLikeTheGuide(chunks: GuideChunk[]) {
  const finalToolCalls: Record<number, GuideToolCall> = {};
  let content = "";
  let finishReason: string | undefined;
  for (const chunk of chunks) {
    content += chunk.choices[0]!.delta.content ?? "";
    finishReason = chunk.choices[0]!.finish_reason ?? finishReason;
    const toolCalls = chunk.choices[0]!.delta.tool_calls || [];
    for (const toolCall of toolCalls) {
      const { index } = toolCall;

      if (!finalToolCalls[index]) {
        finalToolCalls[index] = toolCall;
      }

      finalToolCalls[index]!.function.arguments += toolCall.function.arguments;
    }
  }
  return { content, finishReason, calls: Object.values(finalToolCalls) };
}

const toolsOf = (scenario: Scenario) =>
  scenario.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

/** A tool loop built on the guide's loop: the accumulated calls go back as the assistant message, results as tool messages. */
async function guideLoop(model: string, scenario: Scenario) {
  const messages: unknown[] = [{ role: "user", content: scenario.prompt }];
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  for (let round = 0; round < 5; round++) {
    // As in the guide: no stream_options, so every chunk has choices[0].
    const raw = await postChat(gateway.baseURL, { model, messages, tools: toolsOf(scenario) });
    expect(raw.status).toBe(200);
    const turn = accumulateLikeTheGuide(raw.chunks);
    if (turn.calls.length === 0) {
      expect(turn.finishReason).toBe("stop");
      return { steps, stepTexts, finalText: turn.content };
    }
    expect(turn.finishReason).toBe("tool_calls");
    steps.push(turn.calls.map((call) => ({ id: call.id ?? "", name: call.function.name ?? "", arguments: call.function.arguments })));
    stepTexts.push(turn.content);
    messages.push({ role: "assistant", content: turn.content || null, tool_calls: turn.calls.map(({ index: _index, ...call }) => call) });
    for (const call of turn.calls) {
      messages.push({ role: "tool", tool_call_id: call.id, content: execute(scenario, call.function.name ?? "", JSON.parse(call.function.arguments)) });
    }
  }
  throw new Error("no final answer after 5 rounds");
}

describe.each([MODELS.default, MODELS.oneDelta])("OpenAI guide's streaming accumulation, model %s", (model) => {
  it.each(cases(scenarios))("gets every call's arguments once, through a tool loop: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    expectConversation(run, await guideLoop(model, scenario));
  });

  it("gets three parallel calls' arguments once wherever the model's output is split in two", async () => {
    const scenario = scenarioNamed("parallel calls");
    const calls = scenario.steps[0]!.calls;
    const body = { model, messages: [{ role: "user", content: scenario.prompt }], tools: toolsOf(scenario) };
    // The length of the reply in code points (its nonce differs per request, its length does not).
    let length = 0;
    gateway.double.script((request: RecordedRequest) => {
      const text = Array.from(renderCalls(readRequest(request).nonce!, calls));
      length = text.length;
      return { text: [text.join("")] };
    });
    await postChat(gateway.baseURL, body);
    expect(length).toBeGreaterThan(100);
    for (let at = 1; at < length; at++) {
      gateway.double.script((request: RecordedRequest) => {
        const text = Array.from(renderCalls(readRequest(request).nonce!, calls));
        return { text: [text.slice(0, at).join(""), text.slice(at).join("")] };
      });
      const turn = accumulateLikeTheGuide((await postChat(gateway.baseURL, body)).chunks);
      expect(turn.finishReason, `split at ${at}`).toBe("tool_calls");
      expect(
        turn.calls.map((call) => ({ name: call.function.name, arguments: JSON.parse(call.function.arguments) })),
        `split at ${at}`,
      ).toEqual(calls);
    }
  });
});
