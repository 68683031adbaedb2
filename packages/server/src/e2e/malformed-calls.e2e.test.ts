import type { OpenAIDouble, RecordedRequest } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { promptOf, startEmulatingGateway, type EmulatingGateway, type RunningCli } from "./harness.js";

// Broken calls in toolshim's own marker, through the real server: mended when possible, answered as the model's text
// when the request can do without a call, and an undeclared tool reported as `unknown_tool` in each API's error shape.

const weather: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};

let gateway: EmulatingGateway;
let double: OpenAIDouble;
let server: RunningCli;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startEmulatingGateway({ chunkSize: 4 });
  ({ double, server } = gateway);
  client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.stop();
});
beforeEach(() => {
  double.script("(no reply scripted)");
});

/** A reply with the given JSON inside this request's marker, written exactly as given. */
const marked = (json: string) => (request: RecordedRequest) => {
  const { nonce } = promptOf(request);
  return `<call:${nonce}>${json}</call:${nonce}>`;
};
const question = { model: "emulated", messages: [{ role: "user" as const, content: "Weather in Oslo?" }], tools: [weather] };

describe("broken calls in toolshim's marker, through the server", () => {
  it("a call with single quotes and a trailing comma is mended on the first attempt (streamed and not)", async () => {
    double.enqueue(marked(`{'name': 'get_weather', 'arguments': {'city': 'Oslo',}}`));
    const completion = await client.chat.completions.create(question);
    expect(completion.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather", arguments: '{"city": "Oslo"}' } });

    // Streamed, a missing closing brace is mended too: the repair only appends to what already streamed.
    double.enqueue(marked('{"name": "get_weather", "arguments": {"city": "Oslo"}'));
    const stream = client.chat.completions.stream({ ...question, stream: true });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]?.message.tool_calls?.[0]).toMatchObject({ function: { name: "get_weather", arguments: '{"city": "Oslo"}' } });
    expect(final.choices[0]?.finish_reason).toBe("tool_calls");
    expect(double.chatRequests()).toHaveLength(2);
  });

  it("a call broken beyond repair twice is answered as the model's text for tool_choice auto", async () => {
    const broken = '{"name": "get_weather", "arguments": {"city": ]]]}}';
    double.enqueue(marked(broken), marked(broken));
    const completion = await client.chat.completions.create(question);
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.choices[0]?.message.content).toContain(broken);
  });

  it("but keeps the 502 malformed_call for tool_choice required", async () => {
    const broken = '{"name": "get_weather", "arguments": {"city": ]]]}}';
    double.enqueue(marked(broken), marked(broken));
    const error = await client.chat.completions.create({ ...question, tool_choice: "required" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 502, code: "malformed_call" });
  });

  it("a call to an undeclared tool is unknown_tool in every API's error shape", async () => {
    const call = marked('{"name": "send_money", "arguments": {"to": "x"}}');
    double.enqueue(call, call);
    const chat = await client.chat.completions.create({ ...question, tool_choice: "required" }).catch((e: unknown) => e);
    expect(chat).toMatchObject({ status: 502, code: "unknown_tool" });

    double.enqueue(call, call);
    const responses = await fetch(`${server.baseURL}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "emulated", input: "Weather in Oslo?", tool_choice: "required", tools: [{ type: "function", ...weather.function }] }),
    });
    expect(responses.status).toBe(502);
    expect(((await responses.json()) as { error: { code: string } }).error.code).toBe("unknown_tool");

    double.enqueue(call, call);
    const messages = await fetch(`${server.baseURL}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({
        model: "emulated",
        max_tokens: 100,
        messages: [{ role: "user", content: "Weather in Oslo?" }],
        tool_choice: { type: "any" },
        tools: [{ name: "get_weather", input_schema: weather.function.parameters }],
      }),
    });
    expect(messages.status).toBe(502);
    const body = (await messages.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.message).toContain('"send_money", which is not a declared tool');
  });
});
