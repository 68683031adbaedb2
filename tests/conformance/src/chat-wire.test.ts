import { checkChatCompletionChunks } from "@toolshim/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cases, MODELS, playScenario, postChat, scenarios, startGateway, type Gateway, type Scenario } from "./harness/index.js";

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.stop();
});

const toolsOf = (scenario: Scenario) =>
  scenario.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

const firstTurn = (scenario: Scenario) => [{ role: "user", content: scenario.prompt }];

/**
 * The raw SSE of the first (tool-calling) turn of every scenario, checked against the streaming rules S1–S15 with
 * core's rule checker: the wire-level view, kept apart from the client tests so a failure there says which client
 * behaviour broke rather than which rule.
 */
describe("Chat Completions wire rules (raw SSE and JSON)", () => {
  for (const model of [MODELS.default, MODELS.oneDelta]) {
    it.each(cases(scenarios))(`stream, model ${model}: $label`, async ({ scenario, chunking }) => {
      for (const includeUsage of [true, false]) {
        playScenario(gateway.double, scenario, chunking);
        const body = { model, messages: firstTurn(scenario), tools: toolsOf(scenario), ...(includeUsage ? { stream_options: { include_usage: true } } : {}) };
        const raw = await postChat(gateway.baseURL, body);
        expect(raw.status).toBe(200);
        expect(raw.contentType).toMatch(/^text\/event-stream/);
        expect(raw.otherLines).toEqual([]);
        expect(raw.done).toBe(true);
        expect(checkChatCompletionChunks(raw.chunks, { includeUsage, argumentsInOneDelta: model === MODELS.oneDelta })).toEqual([]);
        const openings = raw.chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []).filter((delta: any) => delta.type);
        expect(openings.map((delta: any) => delta.function.name)).toEqual(scenario.steps[0]!.calls.map((call) => call.name));
      }
    });
  }

  it.each(cases(scenarios))("not streamed: $label", async ({ scenario, chunking }) => {
    playScenario(gateway.double, scenario, chunking);
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: MODELS.default, messages: firstTurn(scenario), tools: toolsOf(scenario) }),
    });
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const completion = (await response.json()) as any;
    const choice = completion.choices[0];
    expect(choice).toMatchObject({ index: 0, finish_reason: "tool_calls", message: { role: "assistant" } });
    const text = scenario.steps[0]!.text;
    expect(choice.message.content).toBe(text ? text : null);
    expect(choice.message.tool_calls.map((call: any) => [call.type, call.function.name, JSON.parse(call.function.arguments)])).toEqual(
      scenario.steps[0]!.calls.map((call) => ["function", call.name, call.arguments]),
    );
    for (const call of choice.message.tool_calls) expect(typeof call.function.arguments).toBe("string");
    expect(completion.usage.total_tokens).toBe(completion.usage.prompt_tokens + completion.usage.completion_tokens);
  });
});
