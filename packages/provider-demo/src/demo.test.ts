import { decodeChatCompletionRequest, defaultDialect, generateNonce, rewriteForEmulation } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { argumentsFor, composeReply, pickTool } from "./compose-reply.js";
import { readEmulatedPrompt } from "./read-emulated-prompt.js";

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] }, days: { type: "integer" } },
      required: ["city", "unit"],
    },
  },
};
const search = {
  type: "function",
  function: { name: "search_docs", description: "Full-text search over the documentation", parameters: { type: "object", properties: { query: { type: "string" } }, required: ["query"] } },
};

/** The messages an emulate-mode upstream receives for a Chat Completions body, rendered by core itself. */
function rendered(body: Record<string, unknown>, systemRole = true) {
  const nonce = generateNonce();
  const request = decodeChatCompletionRequest({ model: "toolshim-demo", ...body });
  return { nonce, messages: rewriteForEmulation(request, { dialect: defaultDialect, nonce, systemRole }) };
}

describe("readEmulatedPrompt", () => {
  it("recovers the nonce, the tools with their schemas and the user's words from the rendered prompt", () => {
    const { nonce, messages } = rendered({
      messages: [
        { role: "system", content: "You are terse.\n### Not a tool\nReally." },
        { role: "user", content: "Weather in Paris please" },
      ],
      tools: [weather, search],
    });
    const prompt = readEmulatedPrompt(messages, defaultDialect);
    expect(prompt.nonce).toBe(nonce);
    expect(prompt.tools.map((t) => t.name)).toEqual(["get_weather", "search_docs"]);
    expect(prompt.tools[0]?.parameters).toEqual(weather.function.parameters);
    expect(prompt.tools[0]?.description).toContain("Get the current weather for a city");
    expect(prompt).toMatchObject({ userText: "Weather in Paris please", lastRole: "user", results: [] });
  });

  it("finds tool results in the last user turn, errors included, also when system text is folded into the user turn", () => {
    for (const systemRole of [true, false]) {
      const { messages } = rendered(
        {
          messages: [
            { role: "user", content: "Weather in Paris and docs on tools?" },
            {
              role: "assistant",
              content: null,
              tool_calls: [
                { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","unit":"celsius"}' } },
                { id: "call_2", type: "function", function: { name: "search_docs", arguments: '{"query":"tools"}' } },
              ],
            },
            { role: "tool", tool_call_id: "call_1", content: '{"temperature": 18, "sky": "clear"}' },
            { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "no results" }] },
          ],
          tools: [weather, search],
        },
        systemRole,
      );
      const prompt = readEmulatedPrompt(messages, defaultDialect);
      expect(prompt.tools).toHaveLength(2);
      expect(prompt.results).toEqual([
        { callId: "call_1", name: "get_weather", content: '{"temperature": 18, "sky": "clear"}', isError: false },
        { callId: "call_2", name: "search_docs", content: "no results", isError: false },
      ]);
      expect(prompt.userText).toBe("");
    }
  });

  it("sees no tools when tool_choice is none or no tools are declared", () => {
    expect(readEmulatedPrompt(rendered({ messages: [{ role: "user", content: "hi" }], tools: [weather], tool_choice: "none" }).messages, defaultDialect).tools).toEqual([]);
    expect(readEmulatedPrompt(rendered({ messages: [{ role: "user", content: "hi" }] }).messages, defaultDialect)).toMatchObject({ nonce: undefined, tools: [] });
  });
});

describe("composeReply", () => {
  it("calls the tool that matches the user's words, with schema-valid arguments taken from the message", () => {
    const { messages } = rendered({ messages: [{ role: "user", content: "Search the docs for streaming" }], tools: [weather, search] });
    const reply = composeReply(readEmulatedPrompt(messages, defaultDialect));
    expect(reply.call).toEqual({ name: "search_docs", arguments: { query: "Search the docs for streaming" } });
    expect(reply.text).toMatch(/search_docs/);

    const tools = readEmulatedPrompt(rendered({ messages: [{ role: "user", content: "x" }], tools: [weather, search] }).messages, defaultDialect).tools;
    expect(pickTool(tools, "What's the weather like in San Francisco, in fahrenheit?").name).toBe("get_weather");
    expect(argumentsFor(weather.function.parameters, "What's the weather like in San Francisco, in fahrenheit?")).toEqual({
      city: "San Francisco",
      unit: "fahrenheit",
    });
  });

  it("builds arguments for nested, array, numeric and formatted properties", () => {
    const schema = {
      type: "object",
      properties: {
        path: { type: "string" },
        count: { type: "integer" },
        tags: { type: "array", items: { type: "string" }, minItems: 2 },
        options: { type: "object", properties: { recursive: { type: "boolean" }, mode: { const: "fast" } }, required: ["recursive", "mode"] },
        when: { type: "string", format: "date" },
        optional: { type: "string" },
      },
      required: ["path", "count", "tags", "options", "when"],
    };
    const args = argumentsFor(schema, "List 3 files in src/providers") as Record<string, unknown>;
    expect(args).toMatchObject({ path: "src/providers", count: 3, options: { recursive: true, mode: "fast" } });
    expect(args.tags).toHaveLength(2);
    expect(args.when).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(args).not.toHaveProperty("optional");
  });

  it("reports tool results, and explains itself when there is nothing to call", () => {
    const reply = composeReply({ tools: [], results: [{ callId: "c", name: "get_weather", content: '{ "temperature": 18 }', isError: false }], userText: "", lastRole: "user" });
    expect(reply.call).toBeUndefined();
    expect(reply.text).toContain('get_weather: {"temperature":18}');
    expect(reply.text).toContain("not a language model");
    const plain = composeReply({ tools: [], results: [], userText: "hello?", lastRole: "user" });
    expect(plain.text).toContain('You said: "hello?"');
    expect(plain.text).toContain("not a language model");
  });
});
