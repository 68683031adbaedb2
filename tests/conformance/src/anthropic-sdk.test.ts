import Anthropic from "@anthropic-ai/sdk";
import { beforeEach, describe, expect, it } from "vitest";
import { type Gateway, MODEL, promptOf, startGateway, toolLoop, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};
const question: Anthropic.MessageParam = { role: "user", content: "Weather in Oslo?" };

let gateway: Gateway;
let client: Anthropic;
gatewayForFile(startGateway, (started) => {
  gateway = started;
  // The Anthropic SDK appends /v1/messages itself: its base URL is the server's root.
  client = new Anthropic({ baseURL: gateway.server.url, apiKey: "unused", maxRetries: 0 });
});
beforeEach(() => {
  gateway.double.script(toolLoop("get_weather", { city: "Oslo" }, ([result]) => `It is ${result} in Oslo.`, "I'll check. "));
});

function toolUseOf(message: Anthropic.Message): Anthropic.ToolUseBlock {
  const block = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
  if (!block) throw new Error(`no tool_use block in ${JSON.stringify(message.content)}`);
  return block;
}

describe("Anthropic SDK against /v1/messages", () => {
  it("runs a tool loop with messages.create", async () => {
    const first = await client.messages.create({ model: MODEL, max_tokens: 256, tools: [weather], messages: [question] });
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content[0]).toEqual({ type: "text", text: "I'll check. " });
    const call = toolUseOf(first);
    expect(call.id).toMatch(/^toolu_/);
    expect(call.input).toEqual({ city: "Oslo" });
    expect(first.usage.input_tokens).toBeGreaterThan(0);

    const second = await client.messages.create({
      model: MODEL,
      max_tokens: 256,
      tools: [weather],
      messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "4 degrees" }] }],
    });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content).toEqual([{ type: "text", text: "It is 4 degrees in Oslo." }]);
    expect(promptOf(gateway.double.chatRequests().at(-1)!).results.map((r) => [r.name, r.content])).toEqual([["get_weather", "4 degrees"]]);
  });

  it("streams a tool call that messages.stream() assembles in finalMessage()", async () => {
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, tools: [weather], messages: [question] });
    let json = "";
    stream.on("inputJson", (delta) => {
      json += delta;
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(toolUseOf(final).input).toEqual({ city: "Oslo" });
    expect(JSON.parse(json)).toEqual({ city: "Oslo" });
    expect(final.content[0]).toEqual({ type: "text", text: "I'll check. " });
    expect(typeof final.usage.output_tokens).toBe("number");
  });

  it("shows upstream reasoning as thinking blocks when thinking is on", async () => {
    gateway.double.script({ reasoning: "The user greets me.", text: "Hello!" });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 2048, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "hi" }] });
    let thinking = "";
    stream.on("thinking", (delta) => {
      thinking += delta;
    });
    const final = await stream.finalMessage();
    expect(thinking).toBe("The user greets me.");
    expect(final.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    const plain = await client.messages.create({ model: MODEL, max_tokens: 256, messages: [{ role: "user", content: "hi" }] });
    expect(plain.content).toEqual([{ type: "text", text: "Hello!" }]);
  });

  it("ends a stream whose upstream breaks midway with an error event the SDK throws", async () => {
    gateway.double.script({ text: "A partial answer that never ends", chunkSize: 4, failure: { kind: "reset", afterChunks: 3 } });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: [question] });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const error = await stream.finalMessage().catch((thrown: unknown) => thrown);
    expect(text.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: "error", error: { type: expect.stringMatching(/_error$/) } });
  });

  it("counts tokens and rejects a tool_result without its tool_use in Anthropic's error shape", async () => {
    const counted = await client.messages.countTokens({ model: MODEL, tools: [weather], messages: [question] });
    expect(counted.input_tokens).toBeGreaterThan(10);

    const error = await client.messages
      .create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_missing", content: "x" }] }] })
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (error as InstanceType<typeof Anthropic.BadRequestError>).error as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("toolu_missing");

    const noMaxTokens = await fetch(`${gateway.server.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: MODEL, messages: [question] }),
    });
    expect(noMaxTokens.status).toBe(400);
    expect(await noMaxTokens.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});
