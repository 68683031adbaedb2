import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, execute, expectConversation, MODELS, playScenario, scenarios, startGateway, type Gateway, type ObservedCall, type Scenario } from "./harness/index.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

const chatModel = () => new ChatOpenAI({ model: MODELS.default, apiKey: "unused", configuration: { baseURL: gateway.baseURL }, maxRetries: 0 });

const openAITools = (scenario: Scenario) =>
  scenario.tools.map((tool) => ({ type: "function" as const, function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

/**
 * The agent loop LangChain users write by hand (this @langchain/* install has no `createAgent`): invoke the bound
 * model, run each tool call, append ToolMessages, until the reply has no calls.
 */
async function agentLoop(scenario: Scenario, turn: (messages: BaseMessage[]) => Promise<AIMessage>) {
  const messages: BaseMessage[] = [new HumanMessage(scenario.prompt)];
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  for (let round = 0; round < 5; round++) {
    const reply = await turn(messages);
    expect(reply.invalid_tool_calls ?? []).toEqual([]);
    const calls = reply.tool_calls ?? [];
    if (calls.length === 0) return { steps, stepTexts, finalText: reply.text };
    steps.push(calls.map((call) => ({ id: call.id!, name: call.name, arguments: call.args })));
    stepTexts.push(reply.text);
    messages.push(reply, ...calls.map((call) => new ToolMessage({ tool_call_id: call.id!, content: execute(scenario, call.name, call.args) })));
  }
  throw new Error("no final answer after 5 rounds");
}

describe("@langchain/openai ChatOpenAI with bindTools", () => {
  it.each(cases(scenarios))("invoke in an agent loop: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const model = chatModel().bindTools(openAITools(scenario));
    const observed = await agentLoop(scenario, async (messages) => {
      const reply = await model.invoke(messages);
      expect(reply.response_metadata.finish_reason).toBe(reply.tool_calls?.length ? "tool_calls" : "stop");
      return reply;
    });
    expectConversation(run, observed);
  });

  it.each(cases(scenarios))("stream: tool_call_chunks concatenated into the final message, in an agent loop: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const model = chatModel().bindTools(openAITools(scenario));
    const observed = await agentLoop(scenario, async (messages) => {
      let merged: AIMessageChunk | undefined;
      let fragments = 0;
      for await (const chunk of await model.stream(messages)) {
        fragments += (chunk.tool_call_chunks ?? []).length;
        merged = merged ? merged.concat(chunk) : chunk;
      }
      // The calls below come from concatenating the chunks, not from a final message: there were chunks to merge.
      if (merged!.tool_calls?.length) expect(fragments).toBeGreaterThanOrEqual(merged!.tool_calls.length);
      expect(merged!.usage_metadata?.total_tokens).toBeGreaterThan(0);
      return merged!;
    });
    expectConversation(run, observed);
  });
});
