import * as piAi from "@mariozechner/pi-ai";
import * as piAi061 from "pi-ai-v0-61";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, execute, expectConversation, MODELS, playScenario, scenarios, startGateway, type Gateway, type ObservedCall, type Scenario } from "./harness/index.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

// OpenClaw pins pi-ai 0.61.x, whose stream loop starts a new tool-call block on every delta with a new id and ignores
// `index`; 0.73 matches deltas by index first. Both are the real, unmodified libraries.
const versions = [
  { name: "pi-ai 0.73", lib: piAi },
  { name: "pi-ai 0.61 (OpenClaw)", lib: piAi061 as unknown as typeof piAi },
];

const modelFor = (id: string): piAi.Model<"openai-completions"> => ({
  id,
  name: id,
  api: "openai-completions",
  provider: "toolshim",
  baseUrl: gateway.baseURL,
  reasoning: false,
  input: ["text"],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 32_000,
  maxTokens: 4_000,
});

/** OpenClaw's agent turn: stream, run each tool call by name, add toolResult messages, until the stop reason is "stop". */
async function agentLoop(lib: typeof piAi, modelId: string, scenario: Scenario) {
  const context: piAi.Context = {
    systemPrompt: "You are a helpful assistant.",
    messages: [{ role: "user", content: scenario.prompt, timestamp: Date.now() }],
    tools: scenario.tools.map((tool) => ({ name: tool.name, description: tool.description, parameters: tool.parameters as any })),
  };
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  for (let round = 0; round < 5; round++) {
    const events = lib.stream(modelFor(modelId), context, { apiKey: "unused" });
    const ended: piAi.ToolCall[] = [];
    for await (const event of events) if (event.type === "toolcall_end") ended.push(event.toolCall);
    const message = await events.result();
    expect(message.errorMessage).toBeUndefined();
    const calls = message.content.filter((part): part is piAi.ToolCall => part.type === "toolCall");
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    expect(ended).toEqual(calls);
    if (calls.length === 0) {
      expect(message.stopReason).toBe("stop");
      return { steps, stepTexts, finalText: text };
    }
    expect(message.stopReason).toBe("toolUse");
    steps.push(calls.map((call) => ({ id: call.id, name: call.name, arguments: call.arguments })));
    stepTexts.push(text);
    context.messages.push(message);
    for (const call of calls) {
      context.messages.push({
        role: "toolResult",
        toolCallId: call.id,
        toolName: call.name,
        content: [{ type: "text", text: execute(scenario, call.name, call.arguments) }],
        isError: false,
        timestamp: Date.now(),
      });
    }
  }
  throw new Error("no final answer after 5 rounds");
}

describe.each(versions)("$name (openai-completions provider) against the real server", ({ lib }) => {
  for (const modelId of [MODELS.default, MODELS.oneDelta]) {
    it.each(cases(scenarios))(`agent loop, model ${modelId}: $label`, async ({ scenario, chunking }) => {
      const run = playScenario(gateway.double, scenario, chunking);
      expectConversation(run, await agentLoop(lib, modelId, scenario));
    });
  }
});
