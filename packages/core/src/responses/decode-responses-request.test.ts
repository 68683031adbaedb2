import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { type DecodeResponsesOptions, decodeResponsesRequest, type ResponsesResolver } from "./decode-responses-request.js";
import type { ResponseItem } from "./response-types.js";

const weather = { type: "function", name: "get_weather", description: "Weather", parameters: { type: "object", properties: { city: { type: "string" } } } };

async function rejection(body: unknown, resolver?: ResponsesResolver, options?: DecodeResponsesOptions): Promise<InvalidRequestError> {
  const error = await decodeResponsesRequest(body, resolver, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvalidRequestError);
  return error as InvalidRequestError;
}

describe("decodeResponsesRequest", () => {
  it("turns a string input, instructions and flat tools into a canonical request", async () => {
    const { request, store, echo, input } = await decodeResponsesRequest({
      model: "m",
      instructions: "Be brief.",
      input: "Weather in Paris?",
      tools: [weather],
      max_output_tokens: 50,
      temperature: 0.3,
      stream: true,
    });
    expect(request.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather in Paris?" },
    ]);
    expect(request.tools).toEqual([
      { name: "get_weather", description: "Weather", parameters: weather.parameters, strict: false },
    ]);
    expect(request.toolChoice).toEqual({ type: "auto" });
    expect(request.parallelToolCalls).toBe(true);
    expect(request.options).toEqual({ maxTokens: 50, temperature: 0.3 });
    expect(request.stream).toBe(true);
    expect(store).toBe(true);
    expect(echo.tools[0]).toEqual({ ...weather, strict: false });
    expect(echo.tool_choice).toBe("auto");
    expect(input).toEqual([{ type: "message", role: "user", content: [{ type: "input_text", text: "Weather in Paris?" }] }]);
  });

  it("decodes every tool_choice form, parallel_tool_calls and text.format", async () => {
    const base = { model: "m", input: "hi", tools: [weather, { ...weather, name: "get_time" }] };
    const choice = async (tool_choice: unknown) => (await decodeResponsesRequest({ ...base, tool_choice })).request.toolChoice;
    expect(await choice("none")).toEqual({ type: "none" });
    expect(await choice("required")).toEqual({ type: "required" });
    expect(await choice({ type: "function", name: "get_time" })).toEqual({ type: "function", name: "get_time" });
    expect(await choice({ type: "allowed_tools", mode: "required", tools: [{ type: "function", name: "get_weather" }] })).toEqual({
      type: "allowed",
      mode: "required",
      names: ["get_weather"],
    });
    const { request, echo } = await decodeResponsesRequest({
      ...base,
      parallel_tool_calls: false,
      store: false,
      text: { format: { type: "json_schema", name: "answer", schema: { type: "object", additionalProperties: false }, strict: true } },
    });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.responseFormat).toEqual({ type: "json_schema", name: "answer", schema: { type: "object", additionalProperties: false }, strict: true });
    expect(echo.text.format).toEqual({ type: "json_schema", name: "answer", schema: { type: "object", additionalProperties: false }, strict: true });
    expect(echo.store).toBe(false);
  });

  it("joins function calls to the assistant turn, names tool results after their call and keeps their images in place", async () => {
    const { request } = await decodeResponsesRequest({
      model: "m",
      input: [
        { role: "developer", content: "Use tools." },
        { role: "user", content: [{ type: "input_text", text: "Look" }, { type: "input_image", image_url: "data:image/png;base64,AA" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Checking.", annotations: [] }] },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
        { type: "function_call", call_id: "call_2", name: "get_weather", arguments: { city: "Rome" } },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "opaque" },
        { type: "function_call_output", call_id: "call_1", output: "18C" },
        {
          type: "function_call_output",
          call_id: "call_2",
          output: [{ type: "input_text", text: "20C" }, { type: "input_image", image_url: "https://x/sky.png" }],
        },
        { role: "user", content: "Thanks" },
      ],
    });
    expect(request.messages).toEqual([
      { role: "system", content: "Use tools.", developer: true },
      { role: "user", content: [{ type: "text", text: "Look" }, { type: "image", url: "data:image/png;base64,AA" }] },
      {
        role: "assistant",
        content: "Checking.",
        toolCalls: [
          { id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "call_2", name: "get_weather", arguments: '{"city":"Rome"}' },
        ],
      },
      { role: "tool", toolCallId: "call_1", name: "get_weather", content: "18C" },
      {
        role: "tool",
        toolCallId: "call_2",
        name: "get_weather",
        content: "20C",
        parts: [{ type: "text", text: "20C" }, { type: "image", url: "https://x/sky.png" }],
      },
      { role: "user", content: "Thanks" },
    ]);
  });

  it("resolves item references and previous_response_id from the resolver", async () => {
    const stored: Record<string, ResponseItem> = {
      msg_a: { type: "message", id: "msg_a", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Calling.", annotations: [], logprobs: [] }] },
      fc_a: { type: "function_call", id: "fc_a", call_id: "call_a", name: "get_weather", arguments: "{}", status: "completed" },
    };
    const resolver: ResponsesResolver = {
      resolveItem: async (id) => stored[id],
      resolveResponse: async (id) =>
        id === "resp_1" ? [{ type: "message", role: "user", content: [{ type: "input_text", text: "Weather?" }] }, stored.msg_a!, stored.fc_a!] : undefined,
    };
    const chained = await decodeResponsesRequest(
      { model: "m", previous_response_id: "resp_1", input: [{ type: "function_call_output", call_id: "call_a", output: "sunny" }] },
      resolver,
    );
    expect(chained.request.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(chained.echo.previous_response_id).toBe("resp_1");
    // This request's own input is what gets stored: the history stays with the earlier response.
    expect(chained.input).toEqual([{ type: "function_call_output", call_id: "call_a", output: "sunny" }]);

    const referenced = await decodeResponsesRequest(
      {
        model: "m",
        input: [
          { role: "user", content: "Weather?" },
          { type: "item_reference", id: "msg_a" },
          { id: "fc_a" },
          { type: "function_call_output", call_id: "call_a", output: "sunny" },
        ],
      },
      resolver,
    );
    expect(referenced.request.messages[1]).toEqual({
      role: "assistant",
      content: "Calling.",
      toolCalls: [{ id: "call_a", name: "get_weather", arguments: "{}" }],
    });
    expect(referenced.input[1]).toEqual(stored.msg_a);
  });

  it("leaves out hosted tools by default, lists them, and rejects them when told to", async () => {
    const body = {
      model: "m",
      input: "x",
      tools: [{ type: "web_search", external_web_access: true }, weather, { type: "file_search" }, { type: "code_interpreter" }],
    };
    const { request, echo, ignoredTools } = await decodeResponsesRequest(body);
    expect(request.tools.map((tool) => tool.name)).toEqual(["get_weather"]);
    expect(echo.tools.map((tool) => tool.name)).toEqual(["get_weather"]);
    expect(ignoredTools).toEqual(["web_search", "file_search", "code_interpreter"]);
    const rejected = await rejection(body, {}, { unsupportedTools: "reject" });
    expect(rejected.param).toBe("tools[0].type");
    expect(rejected.message).toContain('"web_search"');
    expect(rejected.message).toContain("unsupportedTools: ignore");
    // A hosted tool cannot be forced: tool_choice only names function and custom tools.
    const forced = await rejection({ ...body, tool_choice: { type: "web_search" } });
    expect(forced.param).toBe("tool_choice.type");
  });

  it("says what to fix for references it cannot resolve", async () => {
    const resolver: ResponsesResolver = { resolveItem: async () => undefined, resolveResponse: async () => undefined };
    const reference = await rejection({ model: "m", input: [{ role: "user", content: "x" }, { type: "item_reference", id: "msg_x" }] }, resolver);
    expect(reference.param).toBe("input[1].id");
    expect(reference.message).toContain("send the full item");
    const previous = await rejection({ model: "m", input: "x", previous_response_id: "resp_x" }, resolver);
    expect(previous.param).toBe("previous_response_id");
    expect(previous.code).toBe("previous_response_not_found");
    const noStore = await rejection({ model: "m", input: [{ type: "item_reference", id: "msg_x" }] });
    expect(noStore.message).toContain("store = false");
  });

  it("rejects malformed input with the field to fix", async () => {
    const unknownType = await rejection({ model: "m", input: [{ type: "computer_call_output", call_id: "c" }] });
    expect(unknownType.param).toBe("input[0].type");
    expect(unknownType.message).toContain("computer_call_output");

    const orphan = await rejection({ model: "m", input: [{ role: "user", content: "x" }, { type: "function_call_output", call_id: "call_9", output: "1" }] });
    expect(orphan.param).toBe("input[1].call_id");
    expect(orphan.message).toContain("call_9");

    const hosted = await rejection({ model: "m", input: "x", tools: [weather, { type: "web_search" }] }, {}, { unsupportedTools: "reject" });
    expect(hosted.param).toBe("tools[1].type");
    expect(hosted.message).toContain('"web_search"');

    const nested = await rejection({ model: "m", input: "x", tools: [{ type: "function", function: { name: "f" } }] });
    expect(nested.param).toBe("tools[0].name");
    expect(nested.message).toContain("flat");

    const undeclared = await rejection({ model: "m", input: "x", tools: [weather], tool_choice: { type: "function", name: "nope" } });
    expect(undeclared.param).toBe("tool_choice.name");

    const badPart = await rejection({ model: "m", input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] });
    expect(badPart.param).toBe("input[0].content[0].type");
    expect(badPart.message).toContain("input_file");

    const badArgs = await rejection({ model: "m", input: [{ type: "function_call", call_id: "c", name: "f", arguments: 3 }] });
    expect(badArgs.param).toBe("input[0].arguments");

    const missing = await rejection({ model: "m" });
    expect(missing.param).toBe("input");

    const conversation = await rejection({ model: "m", input: "x", conversation: "conv_1" });
    expect(conversation.param).toBe("conversation");
  });
});
