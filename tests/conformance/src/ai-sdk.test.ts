import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import * as ai7 from "ai";
import { createOpenAICompatible as createOpenAICompatibleV2 } from "ai-sdk-openai-compatible-v2";
import { createOpenAI as createOpenAIV3 } from "ai-sdk-openai-v3";
import * as ai6 from "ai-v6";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, execute, expectConversation, MODELS, playScenario, scenarios, startGateway, type Gateway, type ObservedCall, type Scenario } from "./harness/index.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

// Both majors share the calls used here; their types differ in details the suite does not depend on.
type AiModule = Pick<typeof ai7, "generateText" | "streamText" | "tool" | "jsonSchema" | "stepCountIs">;

const stacks: { name: string; ai: AiModule; model: () => any }[] = [
  {
    name: "ai 7 + @ai-sdk/openai-compatible 3",
    ai: ai7,
    model: () => createOpenAICompatible({ name: "toolshim", baseURL: gateway.baseURL, apiKey: "unused", includeUsage: true }).chatModel(MODELS.default),
  },
  { name: "ai 7 + @ai-sdk/openai 4 .chat()", ai: ai7, model: () => createOpenAI({ baseURL: gateway.baseURL, apiKey: "unused" }).chat(MODELS.default) },
  {
    name: "ai 6 + @ai-sdk/openai-compatible 2",
    ai: ai6 as unknown as AiModule,
    model: () => createOpenAICompatibleV2({ name: "toolshim", baseURL: gateway.baseURL, apiKey: "unused", includeUsage: true }).chatModel(MODELS.default),
  },
  {
    name: "ai 6 + @ai-sdk/openai 3 .chat()",
    ai: ai6 as unknown as AiModule,
    model: () => createOpenAIV3({ baseURL: gateway.baseURL, apiKey: "unused" }).chat(MODELS.default),
  },
];

function toolSet(ai: AiModule, scenario: Scenario, executed: string[]) {
  return Object.fromEntries(
    scenario.tools.map((definition) => [
      definition.name,
      ai.tool({
        description: definition.description,
        inputSchema: ai.jsonSchema(definition.parameters as any),
        execute: async (input: any) => {
          executed.push(definition.name);
          return execute(scenario, definition.name, input);
        },
      } as any),
    ]),
  );
}

describe.each(stacks)("$name", ({ ai, model }) => {
  it.each(cases(scenarios))("generateText with tools, multi-step: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const result = await ai.generateText({
      model: model(),
      prompt: scenario.prompt,
      tools: toolSet(ai, scenario, executed),
      stopWhen: ai.stepCountIs(scenario.steps.length + 2),
      maxRetries: 0,
    } as any);
    const toolSteps = result.steps.filter((step: any) => step.toolCalls.length > 0);
    for (const step of toolSteps) expect(step.finishReason).toBe("tool-calls");
    expect(result.finishReason).toBe("stop");
    const steps: ObservedCall[][] = toolSteps.map((step: any) =>
      step.toolCalls.map((call: any) => ({ id: call.toolCallId, name: call.toolName, arguments: call.input })),
    );
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(run, { steps, finalText: result.text, stepTexts: toolSteps.map((step: any) => step.text) });
  });

  it.each(cases(scenarios))("streamText with tool-input streaming parts, multi-step: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const executed: string[] = [];
    const result = ai.streamText({
      model: model(),
      prompt: scenario.prompt,
      tools: toolSet(ai, scenario, executed),
      stopWhen: ai.stepCountIs(scenario.steps.length + 2),
      maxRetries: 0,
    } as any);

    interface StepLog {
      text: string;
      calls: ObservedCall[];
      inputs: Map<string, { name: string; deltas: string; started: number; ended?: number; count?: number }>;
      finishReason?: string;
    }
    const log: StepLog[] = [];
    const errors: unknown[] = [];
    const deltaCounts = new Map<string, number>();
    let position = 0;
    for await (const part of result.fullStream as AsyncIterable<any>) {
      position++;
      const step = log.at(-1);
      switch (part.type) {
        case "start-step":
          log.push({ text: "", calls: [], inputs: new Map() });
          break;
        case "text-delta":
          step!.text += part.text ?? part.delta;
          break;
        case "tool-input-start":
          expect(step!.inputs.has(part.id)).toBe(false);
          step!.inputs.set(part.id, { name: part.toolName, deltas: "", started: position });
          break;
        case "tool-input-delta": {
          const input = step!.inputs.get(part.id)!;
          expect(input.ended).toBeUndefined();
          input.deltas += part.delta;
          deltaCounts.set(part.id, (deltaCounts.get(part.id) ?? 0) + 1);
          break;
        }
        case "tool-input-end":
          step!.inputs.get(part.id)!.ended = position;
          break;
        case "tool-call": {
          const input = step!.inputs.get(part.toolCallId);
          // Every call was announced by tool-input-start/delta/end under its id, before the tool-call part.
          expect(input).toMatchObject({ name: part.toolName });
          expect(input!.ended).toBeLessThan(position);
          expect(JSON.parse(input!.deltas || "{}")).toEqual(part.input);
          input!.count = deltaCounts.get(part.toolCallId) ?? 0;
          step!.calls.push({ id: part.toolCallId, name: part.toolName, arguments: part.input });
          break;
        }
        case "finish-step":
          step!.finishReason = part.finishReason;
          break;
        case "error":
        case "tool-error":
        case "tool-input-error":
          errors.push(part);
          break;
      }
    }
    expect(errors).toEqual([]);
    // Arguments stream as the model writes them: a one-character upstream gives several input deltas per call.
    if (chunking.size === 1) {
      for (const step of log) for (const input of step.inputs.values()) if (input.deltas.length > 2) expect(input.count).toBeGreaterThan(1);
    }
    const toolSteps = log.filter((step) => step.calls.length > 0);
    for (const step of toolSteps) expect(step.finishReason).toBe("tool-calls");
    expect(log.at(-1)!.finishReason).toBe("stop");
    expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
    expectConversation(run, {
      steps: toolSteps.map((step) => step.calls),
      stepTexts: toolSteps.map((step) => step.text),
      finalText: log.at(-1)!.text,
    });
    expect(await result.text).toBe(run.expectedFinal);
  });
});
