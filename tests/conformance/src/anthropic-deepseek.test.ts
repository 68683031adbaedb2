import Anthropic from "@anthropic-ai/sdk";
import { describe, expect, it } from "vitest";
import { type DeepSeekGateway, deepSeekCall, startDeepSeekGateway, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

const weather: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

let gateway: DeepSeekGateway;
gatewayForFile(startDeepSeekGateway, (started) => (gateway = started));

describe("DeepSeek reasoning over Anthropic Messages", () => {
  it("streams thinking blocks before the tool_use, and again before the answer", async () => {
    gateway.double.queueReplies(deepSeekCall("I should look the weather up.", "get_weather", { city: "Oslo" }), {
      thinking: "The tool says 4 degrees.",
      text: "It is 4 degrees in Oslo.",
    });
    const client = new Anthropic({ baseURL: gateway.server.url, apiKey: "unused", maxRetries: 0 });
    const request = { model: "deepseek-reasoner", max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 }, tools: [weather] };
    const question: Anthropic.MessageParam = { role: "user", content: "Weather in Oslo?" };

    const stream = client.messages.stream({ ...request, messages: [question] });
    let thinking = "";
    stream.on("thinking", (delta) => {
      thinking += delta;
    });
    const first = await stream.finalMessage();
    expect(thinking).toBe("I should look the weather up.");
    expect(first.stop_reason).toBe("tool_use");
    expect(first.content.map((block) => block.type)).toEqual(["thinking", "tool_use"]);
    const call = first.content[1] as Anthropic.ToolUseBlock;
    expect(call.input).toEqual({ city: "Oslo" });

    const second = await client.messages.create({
      ...request,
      messages: [question, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: "4 degrees" }] }],
    });
    expect(second.stop_reason).toBe("end_turn");
    expect(second.content).toEqual([
      { type: "thinking", thinking: "The tool says 4 degrees.", signature: "toolshim-unsigned" },
      { type: "text", text: "It is 4 degrees in Oslo." },
    ]);
  });
});
