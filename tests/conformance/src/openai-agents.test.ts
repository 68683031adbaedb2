import { Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, run, setTracingDisabled, tool, type Model, type ModelResponse } from "@openai/agents";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  cases,
  chunkings,
  execute,
  expectConversation,
  gatewayForFile,
  MODELS,
  playScenario,
  scenarios,
  startGateway,
  type Gateway,
  type ObservedCall,
  type Scenario,
} from "./harness/index.js";

// Offline: the SDK would otherwise export traces to OpenAI.
setTracingDisabled(true);

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

const client = () => new OpenAI({ baseURL: gateway.baseURL, apiKey: "unused", maxRetries: 0 });
const models: Record<string, () => Model> = {
  "Chat Completions model": () => new OpenAIChatCompletionsModel(client(), MODELS.default),
  "Responses model": () => new OpenAIResponsesModel(client(), MODELS.default),
};

function agentFor(scenario: Scenario, model: Model, executed: string[]) {
  return new Agent({
    name: "Assistant",
    instructions: "Answer with the tools.",
    model,
    tools: scenario.tools.map((definition) =>
      tool({
        name: definition.name,
        description: definition.description,
        // A JSON schema: the SDK parses the arguments and hands them over unvalidated.
        parameters: definition.parameters as never,
        strict: true,
        execute: async (input: unknown) => {
          executed.push(definition.name);
          return execute(scenario, definition.name, input as Record<string, unknown>);
        },
      }),
    ),
  });
}

/** Each model turn's calls and text as the SDK recorded them in its raw responses. */
function observed(result: { rawResponses: ModelResponse[]; finalOutput?: unknown }) {
  const turns = result.rawResponses
    .map((response) => response.output)
    .filter((output) => output.some((item) => item.type === "function_call"));
  const steps: ObservedCall[][] = turns.map((output) =>
    output.flatMap((item) => (item.type === "function_call" ? [{ id: item.callId, name: item.name, arguments: item.arguments }] : [])),
  );
  const stepTexts = turns.map((output) =>
    output
      .flatMap((item) => (item.type === "message" && item.role === "assistant" ? item.content : []))
      .flatMap((part) => (part.type === "output_text" ? [part.text] : []))
      .join(""),
  );
  return { steps, stepTexts, finalText: String(result.finalOutput) };
}

// Every scenario in the finest and the coarsest chunking: the SDK's own handling does not depend on the split.
const list = cases(scenarios, [chunkings[0]!, chunkings[2]!]);

describe.each(Object.entries(models))("@openai/agents 0.20 with the %s", (_name, model) => {
  it.each(list)("run(): a tool loop ending with the model's text: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const result = await run(agentFor(scenario, model(), executed), scenario.prompt, { maxTurns: scenario.steps.length + 2 });
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(play, observed(result));
  });

  it.each(list)("run({ stream: true }): the same loop, streamed: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const stream = await run(agentFor(scenario, model(), executed), scenario.prompt, { stream: true, maxTurns: scenario.steps.length + 2 });
    const textDeltas: string[] = [];
    for await (const event of stream) {
      if (event.type === "raw_model_stream_event" && event.data.type === "output_text_delta") textDeltas.push(event.data.delta);
    }
    await stream.completed;
    expect(stream.error ?? null).toBeNull();
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(play, observed(stream));
    // The final answer arrived as text deltas, not only in the finished response.
    expect(textDeltas.join("")).toContain(String(stream.finalOutput));
  });
});
