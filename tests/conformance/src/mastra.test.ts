import { Agent } from "@mastra/core/agent";
import { createTool } from "@mastra/core/tools";
import { Agent as AgentV0 } from "mastra-core-v0/agent";
import { createTool as createToolV0 } from "mastra-core-v0/tools";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  cases,
  chunkings,
  execute,
  expectConversation,
  gatewayForFile,
  MODELS,
  playScenario,
  recordFetchPaths,
  scenarios,
  startGateway,
  type Gateway,
  type ObservedCall,
  type Scenario,
  type ScenarioTool,
} from "./harness/index.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));
/** The gateway paths the client requested, to check which wire API each configuration speaks. */
const paths = recordFetchPaths(() => gateway.url);

/** The scenario tool's JSON Schema as the zod object Mastra's createTool wants (the suite's tools use strings and booleans). */
function zodOf(definition: ScenarioTool) {
  const required = new Set(definition.parameters.required ?? []);
  const shape = Object.fromEntries(
    Object.entries(definition.parameters.properties).map(([key, schema]) => {
      const base = (schema as { type: string }).type === "boolean" ? z.boolean() : z.string();
      return [key, required.has(key) ? base : base.optional()];
    }),
  );
  return z.object(shape).strict();
}

/** A tool call as a Mastra step records it: flat in 0.24, inside `payload` in 1.x. */
interface MastraCall {
  toolCallId: string;
  toolName: string;
  args?: unknown;
  input?: unknown;
}
interface MastraStep {
  text?: string;
  toolCalls?: (MastraCall & { payload?: MastraCall })[];
}
/** The part of an Agent the tests use, common to both majors. */
interface MastraAgent {
  generate(prompt: string, options: { maxSteps: number }): Promise<{ steps: MastraStep[]; text: string }>;
  stream(prompt: string, options: { maxSteps: number }): Promise<{ textStream: AsyncIterable<string>; text: PromiseLike<string>; steps: PromiseLike<MastraStep[]> }>;
}

interface Stack {
  name: string;
  path: string;
  agent(scenario: Scenario, executed: string[]): MastraAgent;
}

const instructions = "Answer with the tools.";

/** A model entry as Mastra users write it for an OpenAI-compatible server: provider/model id, url, key. */
const modelConfig = (api?: "chat" | "responses") => ({
  providerId: "toolshim",
  modelId: MODELS.default,
  url: gateway.baseURL,
  apiKey: "unused",
  ...(api ? { api } : {}),
});

const stacks: Stack[] = [
  ...(["chat", "responses"] as const).map(
    (api): Stack => ({
      name: `@mastra/core 1.71, api ${api}`,
      path: api === "chat" ? "/v1/chat/completions" : "/v1/responses",
      agent: (scenario, executed) =>
        new Agent({
          id: "assistant",
          name: "assistant",
          instructions,
          model: modelConfig(api),
          tools: Object.fromEntries(
            scenario.tools.map((definition) => [
              definition.name,
              createTool({
                id: definition.name,
                description: definition.description,
                inputSchema: zodOf(definition),
                execute: async (input: Record<string, unknown>) => {
                  executed.push(definition.name);
                  return execute(scenario, definition.name, input);
                },
              }),
            ]),
          ),
        }) as unknown as MastraAgent,
    }),
  ),
  {
    name: "@mastra/core 0.24 (previous major)",
    path: "/v1/chat/completions",
    agent: (scenario, executed) =>
      new AgentV0({
        name: "assistant",
        instructions,
        model: modelConfig() as never,
        tools: Object.fromEntries(
          scenario.tools.map((definition) => [
            definition.name,
            createToolV0({
              id: definition.name,
              description: definition.description,
              inputSchema: zodOf(definition) as never,
              execute: async ({ context }: { context: Record<string, unknown> }) => {
                executed.push(definition.name);
                return execute(scenario, definition.name, context);
              },
            } as never),
          ]),
        ),
      }) as unknown as MastraAgent,
  },
];

/** Tool calls per step, whichever shape the Mastra major gives them (1.x wraps them in `payload`), and the answer. */
function observed(steps: MastraStep[], text: string) {
  const toolSteps = steps.filter((step) => (step.toolCalls ?? []).length > 0);
  const calls: ObservedCall[][] = toolSteps.map((step) =>
    (step.toolCalls ?? []).map((call) => {
      const inner = call.payload ?? call;
      return { id: inner.toolCallId, name: inner.toolName, arguments: inner.args ?? inner.input };
    }),
  );
  // Mastra's `text` joins every step's text (0.24 and 1.x `generate`); the answer is the last step's.
  const finalText: string = steps.at(-1)?.text ?? "";
  expect(text.endsWith(finalText)).toBe(true);
  return { steps: calls, finalText };
}

const list = cases(scenarios, [chunkings[0]!, chunkings[2]!]);

describe.each(stacks)("$name", (stack) => {
  it.each(list)("agent.generate(): a tool loop ending with the model's text: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    paths.length = 0;
    const result = await stack.agent(scenario, executed).generate(scenario.prompt, { maxSteps: scenario.steps.length + 2 });
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(play, observed(result.steps, result.text));
    expect(new Set(paths)).toEqual(new Set([stack.path]));
  });

  it.each(list)("agent.stream(): the same loop, streamed: $label", async ({ scenario, chunking }) => {
    const play = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const stream = await stack.agent(scenario, executed).stream(scenario.prompt, { maxSteps: scenario.steps.length + 2 });
    let streamed = "";
    for await (const delta of stream.textStream) streamed += delta;
    const text = await stream.text;
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(play, observed(await stream.steps, text));
    expect(streamed).toContain(text);
  });
});
