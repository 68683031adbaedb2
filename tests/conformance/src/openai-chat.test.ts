import OpenAI from "openai";
import { zodFunction } from "openai/helpers/zod";
import OpenAIv6 from "openai-v6";
import { zodFunction as zodFunctionV6 } from "openai-v6/helpers/zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  cases,
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

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type Tool = OpenAI.Chat.Completions.ChatCompletionTool;
type Completion = OpenAI.Chat.Completions.ChatCompletion;

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

const clients = {
  "openai 7": () => new OpenAI({ baseURL: gateway.baseURL, apiKey: "unused", maxRetries: 0 }),
  "openai 6": () => new OpenAIv6({ baseURL: gateway.baseURL, apiKey: "unused", maxRetries: 0 }) as unknown as OpenAI,
};
const zodFunctions = { "openai 7": zodFunction, "openai 6": zodFunctionV6 as unknown as typeof zodFunction };

const toolsOf = (scenario: Scenario): Tool[] =>
  scenario.tools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.parameters } }));

// The same tools as zod schemas, for the SDK's strict parse helpers.
const zodParameters: Record<string, z.ZodObject> = {
  get_weather: z.object({ city: z.string() }),
  get_time: z.object({ city: z.string(), hour24: z.boolean() }),
  list_reminders: z.object({}),
  translate: z.object({ text: z.string(), note: z.string() }),
  find_city: z.object({ query: z.string() }),
};

function callsOf(message: OpenAI.Chat.Completions.ChatCompletionMessage): ObservedCall[] {
  return (message.tool_calls ?? []).map((call) => {
    if (call.type !== "function") throw new Error(`unexpected ${call.type} tool call`);
    return { id: call.id, name: call.function.name, arguments: call.function.arguments };
  });
}

function toolMessages(scenario: Scenario, calls: ObservedCall[]): Message[] {
  return calls.map((call) => ({
    role: "tool",
    tool_call_id: call.id,
    content: execute(scenario, call.name, JSON.parse(call.arguments as string)),
  }));
}

/** The plain loop every hand-written agent runs: call, execute, send results, until the answer is text. */
async function manualLoop(scenario: Scenario, turn: (messages: Message[]) => Promise<Completion>) {
  const messages: Message[] = [{ role: "user", content: scenario.prompt }];
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  for (let round = 0; round < 5; round++) {
    const completion = await turn(messages);
    const choice = completion.choices[0]!;
    const calls = callsOf(choice.message);
    if (calls.length === 0) {
      expect(choice.finish_reason).toBe("stop");
      return { steps, stepTexts, finalText: choice.message.content ?? "" };
    }
    expect(choice.finish_reason).toBe("tool_calls");
    steps.push(calls);
    stepTexts.push(choice.message.content ?? "");
    messages.push(choice.message, ...toolMessages(scenario, calls));
  }
  throw new Error("no final answer after 5 rounds");
}

/** Rebuilds a completion from the SDK's parsed chunks the way hand-written stream loops do (id/name set, arguments appended). */
function accumulate(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]): Completion {
  let content = "";
  let finish: Completion["choices"][number]["finish_reason"] | undefined;
  const calls: { id: string; type: "function"; function: { name: string; arguments: string } }[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? "";
    for (const delta of choice.delta.tool_calls ?? []) {
      calls[delta.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } };
      const call = calls[delta.index]!;
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.function.name = delta.function.name;
      call.function.arguments += delta.function?.arguments ?? "";
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
  return {
    id: chunks[0]!.id,
    object: "chat.completion",
    created: chunks[0]!.created,
    model: chunks[0]!.model,
    choices: [
      {
        index: 0,
        logprobs: null,
        finish_reason: finish!,
        message: { role: "assistant", content: content || null, refusal: null, ...(calls.length ? { tool_calls: calls } : {}) },
      },
    ],
  };
}

describe.each(Object.keys(clients) as (keyof typeof clients)[])("%s chat completions", (version) => {
  const client = () => clients[version]();

  it.each(cases(scenarios))("create, not streamed: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const openai = client();
    const observed = await manualLoop(scenario, (messages) => openai.chat.completions.create({ model: MODELS.default, messages, tools: toolsOf(scenario) }));
    expectConversation(run, observed);
  });

  it.each(cases(scenarios))("create, streamed: $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const openai = client();
    const observed = await manualLoop(scenario, async (messages) => {
      const stream = await openai.chat.completions.create({
        model: MODELS.default,
        messages,
        tools: toolsOf(scenario),
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      return accumulate(chunks);
    });
    expectConversation(run, observed);
  });

  it.each(cases(scenarios))("stream() events and finalChatCompletion(): $label", async ({ scenario, chunking }) => {
    const run = playScenario(gateway.double, scenario, chunking);
    const openai = client();
    const observed = await manualLoop(scenario, async (messages) => {
      const stream = openai.chat.completions.stream({ model: MODELS.default, messages, tools: toolsOf(scenario) });
      const done: { index: number; name: string; arguments: string }[] = [];
      const argumentDeltas = new Map<number, string>();
      let contentDeltas = "";
      stream.on("content.delta", ({ delta }) => (contentDeltas += delta));
      const deltaEvents = new Map<number, number>();
      stream.on("tool_calls.function.arguments.delta", ({ index, arguments_delta }) => {
        argumentDeltas.set(index, (argumentDeltas.get(index) ?? "") + arguments_delta);
        deltaEvents.set(index, (deltaEvents.get(index) ?? 0) + 1);
      });
      stream.on("tool_calls.function.arguments.done", ({ index, name, arguments: args }) => done.push({ index, name, arguments: args }));
      const completion = await stream.finalChatCompletion();
      const message = completion.choices[0]!.message;
      // Each call's "done" event fires once, in order, with the concatenation of its deltas.
      expect(done.map((event) => event.index)).toEqual((message.tool_calls ?? []).map((_call, index) => index));
      for (const event of done) expect(argumentDeltas.get(event.index)).toBe(event.arguments);
      // With a one-character upstream the arguments reach the client in several delta events, not one.
      if (chunking.size === 1) for (const event of done) if (event.arguments.length > 2) expect(deltaEvents.get(event.index)).toBeGreaterThan(1);
      expect(done.map(({ name, arguments: args }) => ({ name, args }))).toEqual(
        callsOf(message).map((call) => ({ name: call.name, args: call.arguments })),
      );
      expect(contentDeltas).toBe(message.content ?? "");
      return completion as Completion;
    });
    expectConversation(run, observed);
  });

  it.each(cases(scenarios))("runTools() loop, streamed and not: $label", async ({ scenario, chunking }) => {
    for (const stream of [false, true]) {
      const run = playScenario(gateway.double, scenario, chunking);
      const executed: string[] = [];
      const runner = client().chat.completions.runTools({
        model: MODELS.default,
        messages: [{ role: "user", content: scenario.prompt }],
        stream,
        tools: scenario.tools.map((tool) => ({
          type: "function" as const,
          function: {
            name: tool.name,
            description: tool.description,
            parameters: tool.parameters,
            parse: JSON.parse,
            function: (args: Record<string, unknown>) => {
              executed.push(tool.name);
              return execute(scenario, tool.name, args);
            },
          },
        })),
      } as any);
      const finalText = await runner.finalContent();
      const assistants = runner.messages.filter((m): m is OpenAI.Chat.Completions.ChatCompletionAssistantMessageParam => m.role === "assistant");
      const steps = assistants
        .filter((m) => m.tool_calls?.length)
        .map((m) => m.tool_calls!.map((call) => ({ id: call.id, name: (call as any).function.name, arguments: (call as any).function.arguments })));
      expect(executed).toEqual(scenario.steps.flatMap((step) => step.calls.map((call) => call.name)));
      expectConversation(run, { steps, finalText: finalText ?? "" });
    }
  });

  it.each(cases(scenarios))("strict zodFunction tools: parse() and runTools(): $label", async ({ scenario, chunking }) => {
    const strictTools = (withFunction: boolean) =>
      scenario.tools.map((tool) =>
        zodFunctions[version]({
          name: tool.name,
          description: tool.description,
          parameters: zodParameters[tool.name]!,
          ...(withFunction ? { function: (args: Record<string, unknown>) => execute(scenario, tool.name, args) } : {}),
        } as any),
      );

    // parse(): the SDK validates each call's arguments against the zod schema and returns them parsed.
    let run = playScenario(gateway.double, scenario, chunking);
    const openai = client();
    const messages: Message[] = [{ role: "user", content: scenario.prompt }];
    const steps: ObservedCall[][] = [];
    for (let round = 0; round <= scenario.steps.length; round++) {
      const completion = await openai.chat.completions.parse({ model: MODELS.default, messages, tools: strictTools(false) as any });
      const message = completion.choices[0]!.message;
      if (!message.tool_calls?.length) {
        expectConversation(run, { steps, finalText: message.content ?? "" });
        break;
      }
      const calls = message.tool_calls.map((call: any) => {
        expect(call.function.parsed_arguments).toEqual(JSON.parse(call.function.arguments));
        return { id: call.id, name: call.function.name, arguments: call.function.parsed_arguments };
      });
      steps.push(calls);
      messages.push(message as Message, ...calls.map((call) => ({ role: "tool" as const, tool_call_id: call.id, content: execute(scenario, call.name, call.arguments) })));
    }
    expect(steps).toHaveLength(scenario.steps.length);

    // runTools() with the same strict tools, streamed: the SDK runs the zod-validated callbacks itself.
    run = playScenario(gateway.double, scenario, chunking);
    const runner = client().chat.completions.runTools({
      model: MODELS.default,
      messages: [{ role: "user", content: scenario.prompt }],
      tools: strictTools(true) as any,
      stream: true,
    });
    const finalText = await runner.finalContent();
    const runSteps = runner.messages
      .filter((m: any) => m.role === "assistant" && m.tool_calls?.length)
      .map((m: any) => m.tool_calls.map((call: any) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })));
    expectConversation(run, { steps: runSteps, finalText: finalText ?? "" });
  });
});
