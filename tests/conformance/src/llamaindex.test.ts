import { OpenAI, OpenAIResponses } from "@llamaindex/openai";
import { agent, agentStreamEvent, stopAgentEvent, toolCallsEvent } from "@llamaindex/workflow";
import { stringifyJSONToMessageContent, tool } from "llamaindex";
import { describe, expect, it } from "vitest";
import {
  cases,
  chunk,
  chunkings,
  execute,
  expectConversation,
  expectedResults,
  finalAnswer,
  gatewayForFile,
  MODELS,
  playScenario,
  recordFetchPaths,
  scenarios,
  startGateway,
  type Gateway,
  type ObservedCall,
  type Scenario,
} from "./harness/index.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));
/** The gateway paths the client requested, to check which wire API each LLM class speaks. */
const paths = recordFetchPaths(() => gateway.url);

/**
 * LlamaIndex's OpenAIResponses yields a chunk for every stream event with the last text delta it saw, so each event
 * after the final delta (OpenAI sends four: output_text.done, content_part.done, output_item.done, completed) repeats
 * it in the answer. It does so against OpenAI too; the suite checks that toolshim's events give exactly that result.
 */
const REPEATS_AFTER_LAST_DELTA = 4;

const llms = [
  {
    name: "OpenAI (Chat Completions)",
    path: "/v1/chat/completions",
    llm: () => new OpenAI({ model: MODELS.default, apiKey: "unused", baseURL: gateway.baseURL, maxRetries: 0 }),
    answer: (text: string) => text,
  },
  {
    name: "OpenAIResponses",
    path: "/v1/responses",
    llm: () => new OpenAIResponses({ model: MODELS.default, apiKey: "unused", baseURL: gateway.baseURL, maxRetries: 0 }),
    answer: (text: string, lastDelta: string) => text + lastDelta.repeat(REPEATS_AFTER_LAST_DELTA),
  },
];

function agentFor(scenario: Scenario, llm: OpenAI | OpenAIResponses, executed: string[]) {
  return agent({
    llm,
    tools: scenario.tools.map((definition) =>
      tool(
        (input: Record<string, string>) => {
          executed.push(definition.name);
          return execute(scenario, definition.name, input);
        },
        // The suite's JSON Schema as is: LlamaIndex sends it to the model and hands the parsed arguments over.
        { name: definition.name, description: definition.description, parameters: definition.parameters as never },
      ),
    ),
  });
}

const list = cases(scenarios, [chunkings[0]!, chunkings[2]!]);

/**
 * The results as LlamaIndex sends them back: it passes a tool's return value through its own
 * `stringifyJSONToMessageContent` (JSON text with every "…" pair unquoted), so a string result arrives altered. That is
 * the client's doing; the check is that toolshim hands the model exactly what the client sent.
 */
const resultsSent = (scenario: Scenario) =>
  expectedResults(scenario).map((result) => ({ ...result, content: stringifyJSONToMessageContent(result.content) }));

describe.each(llms)("LlamaIndex.TS 0.12 agent() with @llamaindex/openai $name", ({ llm, path, answer }) => {
  it.each(list)("runStream(): a tool loop ending with the model's text, streamed: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    paths.length = 0;
    const steps: ObservedCall[][] = [];
    let streamed = "";
    let finalText: string | undefined;
    for await (const event of agentFor(scenario, llm(), executed).runStream(scenario.prompt)) {
      if (toolCallsEvent.include(event)) {
        steps.push(event.data.toolCalls.map((call) => ({ id: call.toolId, name: call.toolName, arguments: call.toolKwargs })));
      } else if (agentStreamEvent.include(event)) {
        streamed += event.data.delta;
      } else if (stopAgentEvent.include(event)) {
        finalText = String(event.data.result);
      }
    }
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    const results = resultsSent(scenario);
    const lastDelta = chunk(finalAnswer(results), chunking.size).at(-1)!;
    expect(finalText).toBe(answer(finalAnswer(results), lastDelta));
    expectConversation(play, { steps, finalText: finalAnswer(results) }, results);
    expect(streamed).toContain(finalText);
    expect(new Set(paths)).toEqual(new Set([path]));
  });

  it.each(list)("run(): the same loop, awaited: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const result = await agentFor(scenario, llm(), executed).run(scenario.prompt);
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    // run() keeps only the answer; the calls are checked by what the model read back (expectConversation's results).
    const expectedSteps = scenario.steps.map((step, i) =>
      step.calls.map((call, j) => ({ id: play.views.at(-1)!.results[scenario.steps.slice(0, i).flatMap((s) => s.calls).length + j]!.callId, ...call })),
    );
    const results = resultsSent(scenario);
    expect(String(result.data.result)).toBe(answer(finalAnswer(results), chunk(finalAnswer(results), chunking.size).at(-1)!));
    expectConversation(play, { steps: expectedSteps, finalText: finalAnswer(results) }, results);
  });
});
