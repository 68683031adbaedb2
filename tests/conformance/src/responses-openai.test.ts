import OpenAI from "openai";
import OpenAIv6 from "openai-v6";
import { beforeEach, describe, expect, it } from "vitest";
import { type Gateway, MODEL, promptOf, startGateway, toolLoop, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  strict: false,
};

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));
beforeEach(() => {
  gateway.double.script(toolLoop("get_weather", { city: "Oslo" }, ([result]) => `It is ${JSON.parse(result!).temperature} degrees in Oslo.`, "Checking. "));
});

const clients = {
  "openai 7": () => new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 }),
  "openai 6": () => new OpenAIv6({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 }) as unknown as OpenAI,
};

describe.each(Object.entries(clients))("Responses API with %s", (_name, makeClient) => {
  it("runs a tool loop with previous_response_id", async () => {
    const client = makeClient();
    const first = await client.responses.create({ model: MODEL, input: "Weather in Oslo?", tools: [weather] });
    expect(first.status).toBe("completed");
    expect(first.output.map((item) => item.type)).toEqual(["message", "function_call"]);
    expect(first.output_text).toBe("Checking. ");
    const call = first.output[1];
    if (call?.type !== "function_call") throw new Error("expected a function call");
    expect(call).toMatchObject({ name: "get_weather", arguments: '{"city":"Oslo"}', status: "completed" });
    expect(call.call_id).toMatch(/^call_/);
    expect(call.id).toMatch(/^fc_/);

    const second = await client.responses.create({
      model: MODEL,
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: '{"temperature": 4}' }],
      tools: [weather],
    });
    expect(second.output_text).toBe("It is 4 degrees in Oslo.");
    expect(second.previous_response_id).toBe(first.id);
    expect(second.usage?.input_tokens).toBeGreaterThan(0);
    // The upstream saw the stored question and the result of the call, as text it can read.
    const prompt = promptOf(gateway.double.chatRequests().at(-1)!);
    expect(prompt.results.map((result) => [result.name, result.content])).toEqual([["get_weather", '{"temperature": 4}']]);
    expect(JSON.stringify(gateway.double.chatRequests().at(-1)!.body.messages)).toContain("Weather in Oslo?");

    const fetched = await client.responses.retrieve(second.id);
    expect(fetched.output).toEqual(second.output);
  });

  it("streams a function call the SDK accumulates into the final response", async () => {
    const client = makeClient();
    const stream = client.responses.stream({ model: MODEL, input: "Weather in Oslo?", tools: [weather] });
    const types: string[] = [];
    const argumentDeltas: string[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.function_call_arguments.delta") argumentDeltas.push(event.delta);
    }
    const final = await stream.finalResponse();
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    expect(types).toContain("response.output_text.delta");
    expect(argumentDeltas.join("")).toBe('{"city":"Oslo"}');
    const call = final.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", arguments: '{"city":"Oslo"}', status: "completed" });
    expect(final.output_text).toBe("Checking. ");
  });

  it("streams plain text with create({ stream: true })", async () => {
    gateway.double.script({ text: "Hello from the stream." });
    const client = makeClient();
    const stream = await client.responses.create({ model: MODEL, input: "hi", stream: true });
    let text = "";
    let sequence = -1;
    for await (const event of stream) {
      expect(event.sequence_number).toBe(sequence + 1);
      sequence = event.sequence_number;
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(text).toBe("Hello from the stream.");
  });

  it("ends a stream whose upstream breaks midway with an error the SDK throws", async () => {
    gateway.double.script({ text: "A partial answer that never ends", chunkSize: 4, failure: { kind: "reset", afterChunks: 3 } });
    const client = makeClient();
    const stream = await client.responses.create({ model: MODEL, input: "hi", stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of stream) seen.push(event.type);
    })().catch((thrown: unknown) => thrown);
    expect(seen).toContain("response.output_text.delta");
    expect(seen).not.toContain("response.completed");
    if (error === undefined) {
      // openai 6 hands the error event over as an event (as it does for OpenAI's own), then the failed response.
      expect(seen.slice(-2)).toEqual(["error", "response.failed"]);
    } else {
      // openai 7 throws at the error event.
      expect((error as Error).constructor.name).toBe("APIError");
      expect((error as Error).message).toMatch(/upstream/i);
    }
  });

  it("rejects malformed input with a BadRequestError naming the field", async () => {
    const client = makeClient();
    const orphan = await client.responses
      .create({ model: MODEL, input: [{ type: "function_call_output", call_id: "call_unknown", output: "1" }] })
      .catch((error: unknown) => error);
    expect((orphan as Error).constructor.name).toBe("BadRequestError");
    expect(orphan).toMatchObject({ status: 400, param: "input[0].call_id" });
    expect((orphan as Error).message).toContain("call_unknown");

    // Hosted tools are left out by default, but one cannot be forced.
    const hosted = await client.responses
      .create({ model: MODEL, input: "x", tools: [{ type: "web_search" }], tool_choice: { type: "web_search" } as never })
      .catch((error: unknown) => error);
    expect(hosted).toMatchObject({ status: 400, param: "tool_choice.type" });

    const missing = await client.responses.retrieve("resp_doesnotexist").catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404 });
  });
});
