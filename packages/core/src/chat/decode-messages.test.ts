import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { decodeChatCompletionRequest } from "./decode-chat-completion-request.js";

const call = (id: string, args: unknown = '{"city":"Paris"}') => ({ id, type: "function", function: { name: "get_weather", arguments: args } });
const ask = { role: "user", content: "Weather?" };

function messages(list: unknown[]) {
  return decodeChatCompletionRequest({ model: "m", messages: list }).messages;
}

function rejection(list: unknown[]): InvalidRequestError {
  try {
    messages(list);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).status).toBe(400);
    return error as InvalidRequestError;
  }
  throw new Error("expected the messages to be rejected");
}

describe("decodeChatCompletionRequest: messages", () => {
  it("accepts assistant content null, empty or absent next to tool_calls", () => {
    for (const content of [{ content: null }, { content: "" }, {}]) {
      const decoded = messages([ask, { role: "assistant", ...content, tool_calls: [call("c1")] }, { role: "tool", tool_call_id: "c1", content: "18°C" }]);
      expect(decoded[1]).toEqual({
        role: "assistant",
        content: "content" in content ? content.content : null,
        toolCalls: [{ id: "c1", name: "get_weather", arguments: '{"city":"Paris"}' }],
      });
      expect(decoded[2]).toEqual({ role: "tool", toolCallId: "c1", name: "get_weather", content: "18°C" });
    }
  });

  it("accepts content arrays on every role and joins text parts", () => {
    const decoded = messages([
      { role: "system", content: [{ type: "text", text: "Be terse." }, { type: "text", text: "Be kind." }] },
      { role: "user", content: [{ type: "text", text: "Hi" }, { type: "image_url", image_url: { url: "https://x/cat.png", detail: "high" } }] },
      { role: "assistant", content: [{ type: "text", text: "I can't" }, { type: "refusal", refusal: "do that." }], tool_calls: [call("c1")] },
      { role: "tool", tool_call_id: "c1", content: [{ type: "text", text: "18°C" }] },
      { role: "user", content: [{ type: "image_url", image_url: "data:image/png;base64,AAAA" }] },
    ]);
    expect(decoded[0]).toEqual({ role: "system", content: "Be terse.\nBe kind." });
    expect(decoded[1]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "Hi" },
        { type: "image", url: "https://x/cat.png", detail: "high" },
      ],
    });
    expect(decoded[2]).toMatchObject({ content: "I can't\ndo that." });
    expect(decoded[3]).toMatchObject({ content: "18°C" });
    expect(decoded[4]).toEqual({ role: "user", content: [{ type: "image", url: "data:image/png;base64,AAAA" }] });
  });

  it("treats developer as system and keeps user names", () => {
    expect(messages([{ role: "developer", content: "Rules." }, { role: "user", content: "Hi", name: "alice" }])).toEqual([
      { role: "system", content: "Rules.", developer: true },
      { role: "user", content: "Hi", name: "alice" },
    ]);
  });

  it("ignores unknown fields and keeps reasoning_content as reasoning", () => {
    const decoded = messages([
      { ...ask, cache_control: { type: "ephemeral" } },
      {
        role: "assistant",
        content: null,
        refusal: null,
        parsed: null,
        annotations: [],
        reasoning_content: "Need the weather.",
        tool_calls: [{ ...call("c1"), index: 0 }],
      },
      { role: "tool", tool_call_id: "c1", content: "18°C", name: "get_weather", extra: 1 },
    ]);
    expect(decoded[1]).toEqual({
      role: "assistant",
      content: null,
      reasoning: "Need the weather.",
      toolCalls: [{ id: "c1", name: "get_weather", arguments: '{"city":"Paris"}' }],
    });
  });

  it("treats empty or null tool_calls as no calls", () => {
    for (const toolCalls of [[], null]) {
      expect(messages([ask, { role: "assistant", content: "Hi", tool_calls: toolCalls }])[1]).toEqual({ role: "assistant", content: "Hi" });
    }
  });

  it("accepts arguments sent as an object or an empty string", () => {
    const decoded = messages([ask, { role: "assistant", tool_calls: [call("c1", { city: "Rome" }), call("c2", "")] }]);
    expect(decoded[1]).toMatchObject({ toolCalls: [{ arguments: '{"city":"Rome"}' }, { arguments: "{}" }] });
  });

  it("keeps a tool result's image parts in order, with its text as content", () => {
    const decoded = messages([
      ask,
      { role: "assistant", tool_calls: [call("c1")] },
      {
        role: "tool",
        tool_call_id: "c1",
        content: [
          { type: "text", text: "Radar:" },
          { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          { type: "text", text: "Rain at 5 pm." },
        ],
      },
    ]);
    expect(decoded[2]).toEqual({
      role: "tool",
      toolCallId: "c1",
      name: "get_weather",
      content: "Radar:\nRain at 5 pm.",
      parts: [
        { type: "text", text: "Radar:" },
        { type: "image", url: "data:image/png;base64,AAAA", detail: "low" },
        { type: "text", text: "Rain at 5 pm." },
      ],
    });
  });

  it("links tool results to calls of any earlier assistant message", () => {
    const decoded = messages([
      ask,
      { role: "assistant", tool_calls: [call("c1"), { id: "c2", type: "function", function: { name: "get_time", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c2", content: "noon" },
      { role: "user", content: "and?" },
      { role: "tool", tool_call_id: "c1", content: "late result" },
    ]);
    expect(decoded[2]).toMatchObject({ toolCallId: "c2", name: "get_time" });
    expect(decoded[4]).toMatchObject({ toolCallId: "c1", name: "get_weather" });
  });

  it("decodes the legacy function_call and function role", () => {
    expect(
      messages([
        ask,
        { role: "assistant", content: null, function_call: { name: "get_weather", arguments: '{"city":"Oslo"}' } },
        { role: "function", name: "get_weather", content: "3°C" },
      ]).slice(1),
    ).toEqual([
      { role: "assistant", content: null, toolCalls: [{ id: "call_legacy_1", name: "get_weather", arguments: '{"city":"Oslo"}' }] },
      { role: "tool", toolCallId: "call_legacy_1", name: "get_weather", content: "3°C" },
    ]);
  });

  it.each([
    [[ask, { role: "tool", tool_call_id: "call_404", content: "x" }], "messages[1].tool_call_id", /"call_404", which matches no tool call in an earlier assistant message/],
    [[{ role: "tool", content: "x" }], "messages[0].tool_call_id", /is required: the id of the assistant tool call/],
    [[ask, { role: "function", name: "get_weather", content: "x" }], "messages[1].name", /no earlier assistant message called that function/],
    [[ask, { role: "assistant", tool_calls: [call("c1", "{\"city\": ")] }], "messages[1].tool_calls[0].function.arguments", /must be a JSON object encoded as a string/],
    [[ask, { role: "assistant", tool_calls: [call("c1", "[1]")] }], "messages[1].tool_calls[0].function.arguments", /must be a JSON object/],
    [[ask, { role: "assistant", tool_calls: [{ type: "function", function: { name: "f", arguments: "{}" } }] }], "messages[1].tool_calls[0].id", /must be the call's id string/],
    [[ask, { role: "assistant", tool_calls: [{ id: "c", type: "web_search", web_search: {} }] }], "messages[1].tool_calls[0].type", /function and custom tool calls/],
    [[{ role: "user", content: [{ type: "input_audio", input_audio: { data: "", format: "wav" } }] }], "messages[0].content[0].type", /part of type 'input_audio'.*send 'text' or 'image_url' parts instead/],
    [[{ role: "user", content: [{ type: "text", text: "x" }, { type: "file", file: {} }] }], "messages[0].content[1].type", /part of type 'file'/],
    [[{ role: "system", content: [{ type: "image_url", image_url: { url: "x" } }] }], "messages[0].content[0].type", /'image_url'.*in system messages; send 'text' parts/],
    [[{ role: "user", content: [{ type: "text", text: 5 }] }], "messages[0].content[0].text", /must be a string, not the number 5/],
    [[ask, { role: "assistant", tool_calls: [call("c1")] }, { role: "tool", tool_call_id: "c1", content: [{ type: "input_audio" }] }], "messages[2].content[0].type", /in tool messages; send 'text' or 'image_url' parts/],
    [[{ role: "user", content: 5 }], "messages[0].content", /must be a string or an array of 'text' or 'image_url' content parts/],
    [[{ role: "user" }], "messages[0].content", /must be a string or an array/],
    [[{ role: "robot", content: "beep" }], "messages[0].role", /must be one of 'system', 'developer', 'user', 'assistant', 'tool' or 'function'/],
    [[{ content: "no role" }], "messages[0].role", /must be one of/],
  ])("rejects %j at %s", (list, param, message) => {
    const error = rejection(list);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`'${param}' `)).toBe(true);
  });

  it("says whether a field is missing or wrong in the error code", () => {
    expect(rejection([{ role: "tool", content: "x" }]).code).toBe("missing_required_parameter");
    expect(rejection([{ role: "user", content: 5 }]).code).toBe("invalid_value");
  });
});
