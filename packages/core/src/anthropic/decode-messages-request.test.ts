import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { countMessageTokens } from "./create-message.js";
import { decodeMessagesRequest } from "./decode-messages-request.js";

const weather = { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } };

function rejection(body: unknown): InvalidRequestError {
  try {
    decodeMessagesRequest(body);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("expected the body to be rejected");
}

describe("decodeMessagesRequest", () => {
  it("decodes system blocks, a tool loop with images and errors, and the tool settings", () => {
    const { request, thinking } = decodeMessagesRequest({
      model: "claude-x",
      max_tokens: 256,
      system: [
        { type: "text", text: "You are a helper.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Be brief." },
      ],
      tools: [weather, { type: "custom", ...weather, name: "get_time" }],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      stop_sequences: ["\n\nHuman:"],
      temperature: 0.5,
      thinking: { type: "enabled", budget_tokens: 1024 },
      stream: true,
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather here?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } }] },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "Need the tool.", signature: "sig" },
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
            { type: "tool_use", id: "toolu_2", name: "get_time", input: {} },
          ],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "Here you go." },
            { type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "18C" }, { type: "image", source: { type: "url", url: "https://x/sky.png" } }] },
            { type: "tool_result", tool_use_id: "toolu_2", content: "clock broken", is_error: true },
          ],
        },
      ],
    });
    expect(thinking).toBe(true);
    expect(request.messages).toEqual([
      { role: "system", content: "You are a helper.\n\nBe brief." },
      { role: "user", content: [{ type: "text", text: "Weather here?" }, { type: "image", url: "data:image/png;base64,AAAA" }] },
      {
        role: "assistant",
        content: "Checking.",
        reasoning: "Need the tool.",
        toolCalls: [
          { id: "toolu_1", name: "get_weather", arguments: '{"city":"Paris"}' },
          { id: "toolu_2", name: "get_time", arguments: "{}" },
        ],
      },
      {
        role: "tool",
        toolCallId: "toolu_1",
        name: "get_weather",
        content: "18C",
        parts: [{ type: "text", text: "18C" }, { type: "image", url: "https://x/sky.png" }],
      },
      { role: "tool", toolCallId: "toolu_2", name: "get_time", content: "clock broken", isError: true },
      { role: "user", content: "Here you go." },
    ]);
    expect(request.tools.map((tool) => tool.name)).toEqual(["get_weather", "get_time"]);
    expect(request.tools[0]).toEqual({ name: "get_weather", description: "Weather", parameters: weather.input_schema, strict: false });
    expect(request.toolChoice).toEqual({ type: "required" });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.options).toEqual({ maxTokens: 256, temperature: 0.5, stop: ["\n\nHuman:"] });
    expect(request.stream).toBe(true);
  });

  it("maps every tool_choice", () => {
    const choice = (tool_choice: unknown) =>
      decodeMessagesRequest({ model: "m", max_tokens: 5, tools: [weather], tool_choice, messages: [{ role: "user", content: "hi" }] }).request;
    expect(choice(undefined).toolChoice).toEqual({ type: "auto" });
    expect(choice({ type: "auto" }).parallelToolCalls).toBe(true);
    expect(choice({ type: "none" }).toolChoice).toEqual({ type: "none" });
    expect(choice({ type: "tool", name: "get_weather" }).toolChoice).toEqual({ type: "function", name: "get_weather" });
    expect(decodeMessagesRequest({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).thinking).toBe(false);
  });

  it("rejects malformed requests with Anthropic-style field paths", () => {
    const orphan = rejection({
      model: "m",
      max_tokens: 5,
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_x", content: "1" }] }],
    });
    expect(orphan.param).toBe("messages.0.content.0.tool_use_id");
    expect(orphan.message).toMatch(/^messages\.0\.content\.0\.tool_use_id: no tool_use block with id "toolu_x"/);

    expect(rejection({ model: "m", messages: [{ role: "user", content: "hi" }] }).param).toBe("max_tokens");

    const server = rejection({ model: "m", max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" }], messages: [{ role: "user", content: "hi" }] });
    expect(server.param).toBe("tools.0.type");
    expect(server.message).toContain("web_search_20250305");

    const role = rejection({ model: "m", max_tokens: 5, messages: [{ role: "developer", content: "hi" }] });
    expect(role.message).toMatch(/^messages\.0\.role: must be "user", "assistant" or "system"/);

    const block = rejection({ model: "m", max_tokens: 5, messages: [{ role: "assistant", content: [{ type: "tool_result", tool_use_id: "x" }] }] });
    expect(block.param).toBe("messages.0.content.0.type");

    const input = rejection({ model: "m", max_tokens: 5, messages: [{ role: "assistant", content: [{ type: "tool_use", id: "t", name: "f", input: "{}" }] }] });
    expect(input.message).toMatch(/^messages\.0\.content\.0\.input: must be the tool's arguments as a JSON object/);

    const pdf = rejection({
      model: "m",
      max_tokens: 5,
      messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: "x" } }] }],
    });
    expect(pdf.message).toContain("cannot read PDFs");

    const undeclared = rejection({ model: "m", max_tokens: 5, tools: [weather], tool_choice: { type: "tool", name: "nope" }, messages: [{ role: "user", content: "x" }] });
    expect(undeclared.param).toBe("tool_choice.name");
  });

  it("estimates tokens for count_tokens without max_tokens", () => {
    const small = countMessageTokens({ model: "m", messages: [{ role: "user", content: "Hello there, how are you?" }] });
    const withTools = countMessageTokens({ model: "m", tools: [weather], messages: [{ role: "user", content: "Hello there, how are you?" }] });
    const cjk = countMessageTokens({ model: "m", messages: [{ role: "user", content: "你好，今天天气怎么样？" }] });
    // 25 ASCII characters → 7 tokens, plus 4 for the message.
    expect(small.input_tokens).toBe(11);
    expect(withTools.input_tokens).toBeGreaterThan(small.input_tokens + 20);
    expect(cjk.input_tokens).toBe(4 + 11);
  });
});
