import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { decodeChatCompletionRequest } from "./decode-chat-completion-request.js";

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};
const time = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } };
const user = { role: "user", content: "What is the weather in Paris?" };

function decode(extra: Record<string, unknown>) {
  return decodeChatCompletionRequest({ model: "m", messages: [user], ...extra });
}

/** The error a body produces, asserting it is a 400 InvalidRequestError. */
function rejection(body: unknown): InvalidRequestError {
  try {
    decodeChatCompletionRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    const invalid = error as InvalidRequestError;
    expect(invalid.status).toBe(400);
    expect(invalid.toOpenAI().error.type).toBe("invalid_request_error");
    return invalid;
  }
  throw new Error("expected the body to be rejected");
}

describe("decodeChatCompletionRequest: tools and tool_choice", () => {
  it("decodes tools with strict and fills absent parameters", () => {
    const strictWeather = { ...weather.function, parameters: { ...weather.function.parameters, additionalProperties: false }, strict: true };
    const request = decode({
      tools: [{ ...weather, function: strictWeather }, { type: "function", function: { name: "ping" } }],
    });
    expect(request.tools).toEqual([
      { name: "get_weather", description: "Get the weather", parameters: strictWeather.parameters, strict: true },
      { name: "ping", parameters: { type: "object", properties: {} }, strict: false },
    ]);
    expect(request.toolChoice).toEqual({ type: "auto" });
    expect(request.parallelToolCalls).toBe(true);
  });

  it.each([
    ["none", { type: "none" }],
    ["auto", { type: "auto" }],
    ["required", { type: "required" }],
    [{ type: "function", function: { name: "get_time" } }, { type: "function", name: "get_time" }],
    [
      { type: "allowed_tools", allowed_tools: { mode: "required", tools: [{ type: "function", function: { name: "get_time" } }] } },
      { type: "allowed", mode: "required", names: ["get_time"] },
    ],
    [
      { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "get_weather" } }] } },
      { type: "allowed", mode: "auto", names: ["get_weather"] },
    ],
    [null, { type: "auto" }],
    // The Responses API's flat forms, which clients shared between both APIs send to Chat Completions too.
    [{ type: "function", name: "get_time" }, { type: "function", name: "get_time" }],
    [
      { type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "get_time" }, { type: "function", name: "get_weather" }] },
      { type: "allowed", mode: "required", names: ["get_time", "get_weather"] },
    ],
    [
      { type: "allowed_tools", mode: "auto", tools: [{ type: "function", function: { name: "get_weather" } }] },
      { type: "allowed", mode: "auto", names: ["get_weather"] },
    ],
    [
      { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", name: "get_time" }] } },
      { type: "allowed", mode: "auto", names: ["get_time"] },
    ],
  ])("tool_choice %j", (choice, expected) => {
    expect(decode({ tools: [weather, time], tool_choice: choice }).toolChoice).toEqual(expected);
  });

  it("ignores tool_choice without tools and accepts tools: []", () => {
    const request = decode({ tools: [], tool_choice: "required" });
    expect(request.tools).toEqual([]);
    expect(request.toolChoice).toEqual({ type: "none" });
    expect(decode({ tool_choice: { type: "function", function: { name: "x" } } }).toolChoice).toEqual({ type: "none" });
  });

  it("reads parallel_tool_calls", () => {
    expect(decode({ tools: [weather], parallel_tool_calls: false }).parallelToolCalls).toBe(false);
    expect(decode({ tools: [weather], parallel_tool_calls: null }).parallelToolCalls).toBe(true);
  });

  it("maps legacy functions and function_call to tools", () => {
    const request = decode({ functions: [weather.function, time.function], function_call: { name: "get_time" } });
    expect(request.legacyFunctions).toBe(true);
    expect(request.tools.map((tool) => tool.name)).toEqual(["get_weather", "get_time"]);
    expect(request.toolChoice).toEqual({ type: "function", name: "get_time" });
    expect(request.parallelToolCalls).toBe(false);
    expect(decode({ functions: [weather.function], function_call: "none" }).toolChoice).toEqual({ type: "none" });
    expect(decode({ functions: [weather.function] }).toolChoice).toEqual({ type: "auto" });
  });

  it("accepts MCP-style tool names", () => {
    const names = ["mcp__filesystem__read_file", "github.create_issue", "server/tool", "x".repeat(128)];
    const request = decode({ tools: names.map((name) => ({ type: "function", function: { name } })) });
    expect(request.tools.map((tool) => tool.name)).toEqual(names);
  });

  it.each([
    [{ tools: [weather, weather] }, "tools[1].function.name", /repeats the tool name "get_weather"/],
    [{ tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } }, "tool_choice.function.name", /"nope", which is not declared.*"get_weather"/],
    [
      { tools: [weather], tool_choice: { type: "allowed_tools", allowed_tools: { mode: "auto", tools: [{ type: "function", function: { name: "get_weather" } }, { type: "function", function: { name: "nope" } }] } } },
      "tool_choice.allowed_tools.tools[1].function.name",
      /"nope", which is not declared/,
    ],
    [{ tools: [weather], tool_choice: { type: "function", name: "nope" } }, "tool_choice.name", /"nope", which is not declared.*"get_weather"/],
    [{ tools: [weather], tool_choice: { type: "function" } }, "tool_choice.function", /names no function.*"type": "function", "name"/],
    [
      { tools: [weather], tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function", name: "nope" }] } },
      "tool_choice.tools[0].name",
      /"nope", which is not declared/,
    ],
    [{ tools: [weather], tool_choice: { type: "allowed_tools", tools: [{ type: "function", name: "get_weather" }] } }, "tool_choice.allowed_tools.mode", /needs a mode and tools/],
    [{ tools: [weather], tool_choice: { type: "allowed_tools", mode: "any", tools: [{ name: "get_weather" }] } }, "tool_choice.mode", /auto|required/],
    [{ tools: [weather], tool_choice: { type: "allowed_tools", mode: "auto", tools: [{ type: "function" }] } }, "tool_choice.tools[0].function", /./],
    [{ tools: [weather], tool_choice: "any" }, "tool_choice", /must be "none", "auto", "required"/],
    [{ tools: [weather], tool_choice: { type: "custom", custom: { name: "x" } } }, "tool_choice.custom.name", /not declared/],
    [{ tools: [{ type: "function", function: { name: "has space" } }] }, "tools[0].function.name", /without spaces/],
    [{ tools: [{ type: "function", function: { name: "" } }] }, "tools[0].function.name", /1 to 128 characters/],
    [{ tools: [{ type: "function", function: { name: "x".repeat(129) } }] }, "tools[0].function.name", /1 to 128 characters/],
    [{ tools: [{ type: "function", function: { description: "no name" } }] }, "tools[0].function.name", /is required/],
    [{ tools: [{ type: "web_search" }] }, "tools[0].type", /function and custom tools/],
    [{ tools: [{ type: "function", function: { name: "f", parameters: "none" } }] }, "tools[0].function.parameters", /JSON Schema object/],
    [{ tools: [weather], functions: [time.function] }, "functions", /send your functions as 'tools'/],
    [{ tools: [{ type: "function", name: "flat", parameters: {} }] }, "tools[0].function", /nests the function under "function"/],
    [{ functions: [weather.function], function_call: { name: "nope" } }, "function_call.name", /not declared/],
  ])("rejects %j at %s", (extra, param, message) => {
    const error = rejection({ model: "m", messages: [user], ...extra });
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`'${param}'`);
  });
});

describe("decodeChatCompletionRequest: options", () => {
  it("decodes generation options, stream and usage", () => {
    const request = decode({
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 100,
      max_completion_tokens: 200,
      temperature: 0.2,
      top_p: 0.9,
      stop: ["\n\n", ""],
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: -0.5,
      reasoning_effort: "low",
      user: "u1",
      n: 1,
    });
    expect(request.stream).toBe(true);
    expect(request.includeUsage).toBe(true);
    expect(request.user).toBe("u1");
    expect(request.options).toEqual({
      maxTokens: 200,
      temperature: 0.2,
      topP: 0.9,
      stop: ["\n\n"],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: -0.5,
      reasoningEffort: "low",
    });
  });

  it("defaults: no stream, no usage, no options", () => {
    const request = decode({ stop: null, temperature: null, stream_options: null });
    expect(request).toEqual({
      model: "m",
      messages: [{ role: "user", content: user.content }],
      tools: [],
      toolChoice: { type: "none" },
      parallelToolCalls: true,
      options: {},
      stream: false,
      includeUsage: false,
    });
  });

  it("turns a single stop string into a list and reads max_tokens alone", () => {
    expect(decode({ stop: "END", max_tokens: 5 }).options).toEqual({ stop: ["END"], maxTokens: 5 });
  });

  it("decodes response_format", () => {
    expect(decode({ response_format: { type: "text" } }).responseFormat).toBeUndefined();
    expect(decode({ response_format: { type: "json_object" } }).responseFormat).toEqual({ type: "json_object" });
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
    expect(
      decode({ response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } } }).responseFormat,
    ).toEqual({ type: "json_schema", name: "answer", schema, strict: true });
    expect(decode({ response_format: { type: "json_schema", json_schema: { schema } } }).responseFormat).toEqual({
      type: "json_schema",
      name: "response",
      schema,
    });
  });

  it.each([
    [{ n: 2 }, "n", /one choice per request.*omit 'n'/],
    [{ temperature: 3 }, "temperature", /must be <= 2/],
    [{ max_tokens: 0 }, "max_tokens", /must be >= 1/],
    [{ max_completion_tokens: 1.5 }, "max_completion_tokens", /must be an integer/],
    [{ stop: 5 }, "stop", /string or an array of strings/],
    [{ stream: "yes" }, "stream", /must be a boolean, not "yes"/],
    [{ response_format: { type: "yaml" } }, "response_format.type", /"text", "json_object" or "json_schema"/],
    [{ model: "" }, "model", /must not be empty/],
  ])("rejects %j at %s", (extra, param, message) => {
    const error = rejection({ model: "m", messages: [user], ...extra });
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
  });

  it("names missing required fields and non-object bodies", () => {
    const noModel = rejection({ messages: [user] });
    expect(noModel.param).toBe("model");
    expect(noModel.code).toBe("missing_required_parameter");
    expect(noModel.message).toBe("'model' is required.");
    expect(rejection({ model: "m", messages: [] }).message).toBe("'messages' must contain at least 1 item.");
    const notObject = rejection("hello");
    expect(notObject.param).toBeNull();
    expect(notObject.message).toMatch(/request body must be an object/);
  });
});
