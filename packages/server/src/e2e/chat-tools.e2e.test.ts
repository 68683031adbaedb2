import { checkChatCompletionChunks } from "@toolshim/core/testing";
import type { OpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { promptOf, replyWithCalls, startEmulatingGateway, type EmulatingGateway, type RunningCli } from "./harness.js";

type Tool = OpenAI.Chat.Completions.ChatCompletionTool;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const weather: Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Current weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
const time: Tool = {
  type: "function",
  function: { name: "get_time", description: "Local time in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const strictAdd: Tool = {
  type: "function",
  function: {
    name: "add",
    strict: true,
    parameters: { type: "object", properties: { a: { type: "integer" }, b: { type: "integer" } }, required: ["a", "b"], additionalProperties: false },
  },
};

let gateway: EmulatingGateway;
let double: OpenAIDouble;
let server: RunningCli;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startEmulatingGateway({
    chunkSize: 5,
    server: { keepAliveMs: 1000 },
    models: [{ id: "emulated" }, { id: "emulated-one-delta", argumentsInOneDelta: true }],
  });
  ({ double, server } = gateway);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.stop();
});
beforeEach(() => {
  double.script("(no reply scripted)");
});

/** Streams a request with raw chunks kept, and checks them against the client-facing streaming rules. */
async function streamChunks(body: OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming) {
  const stream = await client.chat.completions.create(body);
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const rules = { includeUsage: body.stream_options?.include_usage === true, argumentsInOneDelta: body.model === "emulated-one-delta" };
  expect(checkChatCompletionChunks(chunks, rules)).toEqual([]);
  return chunks;
}

function callsIn(chunks: OpenAI.Chat.Completions.ChatCompletionChunk[]) {
  const calls: { id?: string; name?: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
      calls[delta.index] ??= { arguments: "" };
      const call = calls[delta.index]!;
      if (delta.id) call.id = delta.id;
      if (delta.function?.name) call.name = delta.function.name;
      call.arguments += delta.function?.arguments ?? "";
    }
  }
  return calls;
}

describe("a tool conversation through the emulating gateway", () => {
  for (const stream of [false, true]) {
    it(`calls a tool, takes its result and answers (${stream ? "streamed" : "not streamed"})`, async () => {
      double.enqueue(
        (request) => replyWithCalls(request, [{ name: "get_weather", arguments: { city: "Oslo" } }], "Checking the weather. "),
        (request) => {
          const prompt = promptOf(request);
          const result = prompt.results[0];
          return result ? `It is ${JSON.parse(result.content).temperature} degrees in Oslo.` : "no result seen";
        },
      );
      const messages: Message[] = [{ role: "user", content: "Weather in Oslo?" }];
      let assistant: OpenAI.Chat.Completions.ChatCompletionMessage;
      if (stream) {
        const runner = client.chat.completions.stream({ model: "emulated", messages, tools: [weather] });
        assistant = (await runner.finalChatCompletion()).choices[0]!.message;
        expect((await runner.finalChatCompletion()).choices[0]!.finish_reason).toBe("tool_calls");
      } else {
        const completion = await client.chat.completions.create({ model: "emulated", messages, tools: [weather] });
        expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
        assistant = completion.choices[0]!.message;
      }
      expect(assistant.content).toBe("Checking the weather. ");
      const call = assistant.tool_calls![0]!;
      if (call.type !== "function") throw new Error("expected a function call");
      expect(call.function).toEqual({ name: "get_weather", arguments: '{"city":"Oslo"}' });

      // What the upstream saw: no native tools, the instructions and the user's words.
      const [firstRequest] = double.chatRequests().slice(-1);
      expect(firstRequest!.body.tools).toBeUndefined();
      expect(promptOf(firstRequest!).tools.map((t) => t.name)).toEqual(["get_weather"]);

      messages.push(assistant, { role: "tool", tool_call_id: call.id, content: '{"temperature": 4}' });
      const final = await client.chat.completions.create({ model: "emulated", messages, tools: [weather] });
      expect(final.choices[0]!.message.content).toBe("It is 4 degrees in Oslo.");
      expect(final.choices[0]!.finish_reason).toBe("stop");
    });
  }

  it("streams parallel calls with contiguous indexes, one opening delta each", async () => {
    double.enqueue((request) =>
      replyWithCalls(request, [
        { name: "get_weather", arguments: { city: "Oslo" } },
        { name: "get_time", arguments: { city: "Lima" } },
      ]),
    );
    const chunks = await streamChunks({ model: "emulated", messages: [{ role: "user", content: "Oslo weather and Lima time" }], tools: [weather, time], stream: true });
    const calls = callsIn(chunks);
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ["get_weather", { city: "Oslo" }],
      ["get_time", { city: "Lima" }],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(2);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("sends each call at once for argumentsInOneDelta models: opening delta, then the whole arguments", async () => {
    double.enqueue((request) =>
      replyWithCalls(request, [
        { name: "get_weather", arguments: { city: "Oslo" } },
        { name: "get_time", arguments: { city: "Lima" } },
      ]),
    );
    const chunks = await streamChunks({ model: "emulated-one-delta", messages: [{ role: "user", content: "both" }], tools: [weather, time], stream: true });
    const deltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.map((d) => [d.index, d.function?.name, d.function?.arguments])).toEqual([
      [0, "get_weather", ""],
      [0, undefined, '{"city":"Oslo"}'],
      [1, "get_time", ""],
      [1, undefined, '{"city":"Lima"}'],
    ]);
  });

  it("parallel_tool_calls: false never returns more than one call", async () => {
    double.script((request) =>
      replyWithCalls(request, [
        { name: "get_weather", arguments: { city: "Oslo" } },
        { name: "get_time", arguments: { city: "Lima" } },
      ]),
    );
    const completion = await client.chat.completions.create({
      model: "emulated",
      messages: [{ role: "user", content: "both" }],
      tools: [weather, time],
      parallel_tool_calls: false,
    });
    expect(completion.choices[0]!.message.tool_calls).toHaveLength(1);
  });
});

describe("tool_choice", () => {
  it("required: a reply without a call is sent back to the model with the error, and the retry's call is returned", async () => {
    const before = double.chatRequests().length;
    double.enqueue("I think it is sunny.", (request) => replyWithCalls(request, [{ name: "get_weather", arguments: { city: "Rome" } }]));
    const completion = await client.chat.completions.create({
      model: "emulated",
      messages: [{ role: "user", content: "Weather in Rome?" }],
      tools: [weather],
      tool_choice: "required",
    });
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]!.message.content ?? "").not.toContain("sunny");
    const requests = double.chatRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(requests[1]!.body.messages)).toContain("I think it is sunny.");
  });

  it("required: fails with a clear 502 when the model never calls, and tells SDKs not to retry", async () => {
    double.script("Just text, no call.");
    const response = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "emulated", messages: [{ role: "user", content: "x" }], tools: [weather], tool_choice: "required" }),
    });
    expect(response.status).toBe(502);
    expect(response.headers.get("x-should-retry")).toBe("false");
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("no_call_when_required");
  });

  it("named: only that tool is offered to the model and its call is returned", async () => {
    double.enqueue((request) => replyWithCalls(request, [{ name: "get_time", arguments: { city: "Lima" } }]));
    const completion = await client.chat.completions.create({
      model: "emulated",
      messages: [{ role: "user", content: "time?" }],
      tools: [weather, time],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    expect(promptOf(double.chatRequests().at(-1)!).tools.map((t) => t.name)).toEqual(["get_time"]);
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(completion.choices[0]!.message.tool_calls).toHaveLength(1);
  });

  it("none: no tools are offered and call-looking text never becomes a call", async () => {
    double.enqueue("Plain answer.");
    const completion = await client.chat.completions.create({
      model: "emulated",
      messages: [{ role: "user", content: "hello" }],
      tools: [weather],
      tool_choice: "none",
    });
    expect(promptOf(double.chatRequests().at(-1)!).tools).toEqual([]);
    expect(completion.choices[0]!.message).toMatchObject({ content: "Plain answer." });
    expect(completion.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(completion.choices[0]!.finish_reason).toBe("stop");
  });
});

describe("strict tools", () => {
  it("arguments that break the schema are repaired by asking again, and never reach the client", async () => {
    double.enqueue(
      (request) => replyWithCalls(request, [{ name: "add", arguments: { a: "two", b: 3 } }]),
      (request) => replyWithCalls(request, [{ name: "add", arguments: { a: 2, b: 3 } }]),
    );
    const chunks = await streamChunks({ model: "emulated", messages: [{ role: "user", content: "2+3" }], tools: [strictAdd], stream: true });
    expect(callsIn(chunks).map((c) => JSON.parse(c.arguments))).toEqual([{ a: 2, b: 3 }]);
  });

  it("a model that keeps breaking the schema gets a 502 invalid_arguments, not a bad call", async () => {
    double.script((request) => replyWithCalls(request, [{ name: "add", arguments: { a: "two" } }]));
    const error = await client.chat.completions
      .create({ model: "emulated", messages: [{ role: "user", content: "2+?" }], tools: [strictAdd] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe("invalid_arguments");
  });
});
