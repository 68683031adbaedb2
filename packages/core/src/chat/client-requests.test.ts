import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CanonicalRequest } from "../canonical.js";
import { defaultDialect } from "../dialect/default-dialect.js";
import { rewriteForEmulation } from "../dialect/rewrite-for-emulation.js";
import { decodeChatCompletionRequest } from "./decode-chat-completion-request.js";

interface Fixture {
  client: string;
  scenario?: string;
  body: {
    messages: { role: string; content?: unknown; tool_call_id?: string; name?: string; tool_calls?: { id: string; function: { name: string } }[]; function_call?: { name: string } }[];
    tools?: { function: { name: string; parameters?: unknown } }[];
    functions?: { name: string }[];
  };
}

const load = (name: string): Fixture[] => JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8"));
// Captured from the real libraries by __fixtures__/capture-client-requests.mjs.
const captured = load("client-requests.json");
// Shapes of clients not installed here, written from the conformance reference.
const handWritten = load("hand-written-requests.json");
const all = [...captured, ...handWritten].map((fixture) => [`${fixture.client}: ${fixture.scenario ?? "request"}`, fixture] as const);

describe("requests as real clients send them", () => {
  it("covers the clients the brief names", () => {
    const clients = captured.map((fixture) => fixture.client).join("\n");
    for (const client of ["openai@7", "openai@6", "ai@7", "ai@6", "@ai-sdk/openai@", "@langchain/openai@"]) expect(clients).toContain(client);
  });

  it.each(all)("%s decodes message for message", (_, fixture) => {
    const request = decodeChatCompletionRequest(fixture.body);
    expect(request.messages).toHaveLength(fixture.body.messages.length);
    const callNames = new Map<string, string>();
    fixture.body.messages.forEach((sent, i) => {
      const decoded = request.messages[i];
      const role = { developer: "system", function: "tool" }[sent.role] ?? sent.role;
      expect(decoded?.role).toBe(role);
      for (const call of sent.tool_calls ?? []) callNames.set(call.id, call.function.name);
      if (decoded?.role === "system") expect(decoded.developer === true).toBe(sent.role === "developer");
      if (decoded?.role === "tool" && sent.role === "tool") {
        expect(decoded.toolCallId).toBe(sent.tool_call_id);
        expect(decoded.name).toBe(callNames.get(sent.tool_call_id ?? ""));
      }
      if (decoded?.role === "assistant") {
        const sentCalls = [...(sent.tool_calls ?? []).map((call) => call.function.name), ...(sent.function_call ? [sent.function_call.name] : [])];
        expect(decoded.toolCalls?.map((call) => call.name) ?? []).toEqual(sentCalls);
        for (const call of decoded.toolCalls ?? []) expect(() => JSON.parse(call.arguments)).not.toThrow();
      }
    });
    const declared = fixture.body.tools?.map((tool) => tool.function.name) ?? fixture.body.functions?.map((f) => f.name) ?? [];
    expect(request.tools.map((tool) => tool.name)).toEqual(declared);
  });

  it.each(all)("%s rewrites into alternating text turns", (_, fixture) => {
    const request = decodeChatCompletionRequest(fixture.body);
    for (const systemRole of [true, false]) {
      const messages = rewriteForEmulation(request, { dialect: defaultDialect, nonce: "fixture01", systemRole });
      const turns = messages[0]?.role === "system" ? messages.slice(1) : messages;
      expect(systemRole || messages[0]?.role !== "system").toBe(true);
      turns.forEach((turn, i) => {
        expect(turn.role).toBe(turns[0]?.role === "user" ? (i % 2 === 0 ? "user" : "assistant") : i % 2 === 0 ? "assistant" : "user");
        expect(turn).not.toHaveProperty("toolCalls");
      });
      const text = messages.flatMap((m) => (typeof m.content === "string" ? [m.content] : (m.content ?? []).map((p) => (p.type === "text" ? p.text : ""))));
      expectEveryResultReplayed(request, text.join("\n"));
    }
  });

  it("keeps what specific clients rely on", () => {
    const [openaiRunTools, openaiRunToolsSecond, openaiStream] = captured;
    expect(decodeChatCompletionRequest(openaiRunTools?.body)).toMatchObject({ parallelToolCalls: false, toolChoice: { type: "auto" } });
    expect(decodeChatCompletionRequest(openaiRunToolsSecond?.body).messages[1]).toEqual({
      role: "user",
      content: [
        { type: "text", text: "Weather in Paris?" },
        { type: "image", url: "data:image/png;base64,AAAA" },
      ],
    });
    expect(decodeChatCompletionRequest(openaiStream?.body)).toMatchObject({
      stream: true,
      includeUsage: true,
      toolChoice: { type: "function", name: "get_weather" },
      tools: [{ name: "get_weather", strict: true }],
      options: { maxTokens: 256, temperature: 0, seed: 1 },
      messages: [{ role: "system" }, { role: "user", name: "alice" }, { role: "assistant", content: null }, { role: "tool", name: "get_weather" }, { role: "user" }],
    });

    const aiSdkSecond = captured.find((f) => f.client.startsWith("ai@7") && f.scenario?.includes("two steps (request 2)"));
    expect(decodeChatCompletionRequest(aiSdkSecond?.body).messages[2]).toMatchObject({ reasoning: "The user wants the weather; call get_weather." });
    const structured = captured.find((f) => f.client.startsWith("@langchain") && f.scenario?.startsWith("withStructuredOutput"));
    expect(decodeChatCompletionRequest(structured?.body).responseFormat).toMatchObject({ type: "json_schema", name: "extract", strict: true });
    const langchainAny = captured.find((f) => f.client.startsWith("@langchain") && f.scenario?.startsWith("bindTools invoke"));
    expect(decodeChatCompletionRequest(langchainAny?.body).toolChoice).toEqual({ type: "required" });

    const [piAi, piAiNoTools, openaiV4, mcpHost, legacy] = handWritten.map((fixture) => decodeChatCompletionRequest(fixture.body));
    expect(piAi?.messages[2]).toMatchObject({ role: "assistant", content: "Listing them now." });
    expect(piAiNoTools).toMatchObject({ tools: [], toolChoice: { type: "none" } });
    expect(openaiV4?.toolChoice).toEqual({ type: "auto" });
    expect(mcpHost?.tools[2]?.parameters).toEqual({ type: "object", properties: {} });
    expect(legacy).toMatchObject({ legacyFunctions: true, messages: [{}, { toolCalls: [{ id: "call_legacy_1" }] }, { role: "tool", toolCallId: "call_legacy_1", name: "get_weather" }] });
  });
});

function expectEveryResultReplayed(request: CanonicalRequest, text: string): void {
  for (const message of request.messages) {
    if (message.role === "tool") expect(text).toContain(`<result:fixture01 id=${JSON.stringify(message.toolCallId)} name=${JSON.stringify(message.name)}>`);
    if (message.role === "assistant") {
      for (const call of message.toolCalls ?? []) expect(text).toContain(`<call:fixture01>{"name": ${JSON.stringify(call.name)}, "arguments": `);
    }
  }
}
