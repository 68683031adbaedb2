import { describe, expect, it } from "vitest";
import { mergeAiSdk5 } from "./chat-apps/ai-sdk-5.js";
import { mergeCherryStudioLegacy } from "./chat-apps/cherry-studio-legacy.js";
import { mergeLangChainCore03 } from "./chat-apps/langchain-core-0-3.js";
import { mergeLobeChat } from "./chat-apps/lobechat.js";
import type { MergedTurn, StreamMerge } from "./chat-apps/merged-turn.js";
import { mergeOpenWebUI, openWebUIParams, pythonJsonDumps } from "./chat-apps/open-webui.js";
import {
  cases,
  chunkings,
  execute,
  expectConversation,
  gatewayForFile,
  MODELS,
  playScenario,
  postChat,
  scenarioNamed,
  scenarios,
  startGateway,
  type Gateway,
  type ObservedCall,
  type Scenario,
} from "./harness/index.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

interface ChatApp {
  name: string;
  merge: StreamMerge;
  /** How the app turns a merged call into the arguments its tool runs with and the text its history replays. */
  prepare?(call: MergedTurn["calls"][number], scenario: Scenario, errors: string[]): { args: Record<string, unknown>; historyArguments: string };
  /** Mis-merges parallel calls unless each call arrives at once (`argumentsInOneDelta`). */
  needsOneDelta?: boolean;
  /**
   * Concatenates a repeated id, which `argumentsInOneDelta` sends for calls after the first (for LobeChat): parallel
   * calls need the default model.
   */
  concatenatesIds?: boolean;
}

const apps: ChatApp[] = [
  {
    name: "Open WebUI",
    merge: mergeOpenWebUI,
    prepare: (call, scenario, errors) => {
      const declared = Object.keys(scenario.tools.find((tool) => tool.name === call.name)?.parameters.properties ?? {});
      const args = openWebUIParams(call.arguments, declared, errors);
      return { args, historyArguments: pythonJsonDumps(args) };
    },
  },
  { name: "Cherry Studio legacy client", merge: mergeCherryStudioLegacy },
  { name: "LobeChat (ids by index)", merge: (chunks) => mergeLobeChat(chunks, { idsByIndex: true }) },
  { name: "LobeChat (first-tool id fallback)", merge: (chunks) => mergeLobeChat(chunks, { idsByIndex: false }), needsOneDelta: true },
  { name: "@langchain/core 0.3 chunk merge", merge: mergeLangChainCore03, concatenatesIds: true },
  { name: "AI SDK 5 tool-call tracker", merge: (chunks) => mergeAiSdk5(chunks, { version: 5 }) },
  { name: "AI SDK 4 tool-call tracker", merge: (chunks) => mergeAiSdk5(chunks, { version: 4 }) },
];

const toolsOf = (scenario: Scenario) =>
  scenario.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

/** One streamed turn over plain fetch, read line by line as these apps do (`data:` lines, `[DONE]` at the end). */
async function streamTurn(model: string, scenario: Scenario, messages: unknown[]) {
  const raw = await postChat(gateway.baseURL, { model, messages, tools: toolsOf(scenario), stream_options: { include_usage: true } });
  expect(raw.status).toBe(200);
  expect(raw.contentType).toMatch(/^text\/event-stream/);
  expect(raw.otherLines).toEqual([]);
  expect(raw.done).toBe(true);
  return raw.chunks;
}

/** The app's tool loop: merge the stream, run the calls, replay the history, until the answer is text. */
async function appLoop(app: ChatApp, model: string, scenario: Scenario) {
  const messages: unknown[] = [{ role: "user", content: scenario.prompt }];
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  for (let round = 0; round < 5; round++) {
    const turn = app.merge(await streamTurn(model, scenario, messages));
    expect(turn.errors).toEqual([]);
    if (turn.calls.length === 0) {
      expect(turn.finishReason).toBe("stop");
      return { steps, stepTexts, finalText: turn.text };
    }
    expect(turn.finishReason).toBe("tool_calls");
    steps.push(turn.calls);
    stepTexts.push(turn.text);
    const errors: string[] = [];
    const prepared = turn.calls.map((call) =>
      app.prepare ? app.prepare(call, scenario, errors) : { args: JSON.parse(call.arguments), historyArguments: call.arguments },
    );
    expect(errors).toEqual([]);
    messages.push({
      role: "assistant",
      content: turn.text || null,
      tool_calls: turn.calls.map((call, i) => ({ id: call.id, type: "function", function: { name: call.name, arguments: prepared[i]!.historyArguments } })),
    });
    turn.calls.forEach((call, i) => messages.push({ role: "tool", tool_call_id: call.id, content: execute(scenario, call.name, prepared[i]!.args) }));
  }
  throw new Error("no final answer after 5 rounds");
}

const parallel = (scenario: Scenario) => scenario.steps.some((step) => step.calls.length > 1);

describe.each(apps)("$name (re-implemented merge logic)", (app) => {
  for (const model of [MODELS.default, MODELS.oneDelta]) {
    const skipParallel = model === MODELS.default ? app.needsOneDelta : app.concatenatesIds;
    const list = skipParallel ? scenarios.filter((scenario) => !parallel(scenario)) : scenarios;
    it.each(cases(list))(`tool loop, model ${model}: $label`, async ({ scenario, chunking }) => {
      const run = playScenario(gateway.double, scenario, chunking);
      expectConversation(run, await appLoop(app, model, scenario));
    });
  }
});

describe("argumentsInOneDelta works around LobeChat's first-tool id fallback (reference §4.6, S8)", () => {
  const scenario = scenarioNamed("parallel calls");
  const lobe = apps.find((app) => app.needsOneDelta)!;
  const expectedArguments = scenario.steps[0]!.calls.map((call) => JSON.stringify(call.arguments));

  it.each(chunkings)("off: continuation fragments of calls 2 and 3 land in call 1 ($name)", async (chunking) => {
    playScenario(gateway.double, scenario, chunking);
    const turn = lobe.merge(await streamTurn(MODELS.default, scenario, [{ role: "user", content: scenario.prompt }]));
    expect(turn.calls.map((call) => call.name)).toEqual(["get_weather", "get_time", "get_weather"]);
    expect(turn.calls.map((call) => call.arguments)).toEqual([expectedArguments.join(""), "", ""]);
  });

  it.each(chunkings)("on: every call arrives at once, its arguments in one delta naming its id, and merges right ($name)", async (chunking) => {
    playScenario(gateway.double, scenario, chunking);
    const chunks = await streamTurn(MODELS.oneDelta, scenario, [{ role: "user", content: scenario.prompt }]);
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    // The opening delta's arguments are "": OpenAI's guide appends them to the stored opening delta (see openai-guide-accumulation.test.ts).
    expect(deltas.map((delta: any) => [delta.index, typeof delta.id, delta.function.name, delta.function.arguments])).toEqual(
      scenario.steps[0]!.calls.flatMap((call, index) => [
        [index, "string", call.name, ""],
        [index, index === 0 ? "undefined" : "string", undefined, JSON.stringify(call.arguments)],
      ]),
    );
    expect(lobe.merge(chunks).calls.map((call) => call.arguments)).toEqual(expectedArguments);
  });
});
