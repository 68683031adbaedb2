import { createOpenAI } from "@ai-sdk/openai";
import { stepCountIs, streamText, tool } from "ai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type DeepSeekGateway, deepSeekCall, startDeepSeekGateway, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Current weather for a city",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

let gateway: DeepSeekGateway;
gatewayForFile(startDeepSeekGateway, (started) => (gateway = started));

describe("DeepSeek reasoning over the Responses API", () => {
  it("shows the thinking as reasoning items around an emulated tool loop (openai 7)", async () => {
    gateway.double.queueReplies(deepSeekCall("I should look the weather up.", "get_weather", { city: "Oslo" }), {
      thinking: "The tool says 4 degrees.",
      text: "It is 4 degrees in Oslo.",
    });
    const client = new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 });
    const stream = client.responses.stream({ model: "deepseek-reasoner", input: "Weather in Oslo?", tools: [weather] });
    let reasoning = "";
    for await (const event of stream) if (event.type === "response.reasoning_summary_text.delta") reasoning += event.delta;
    const first = await stream.finalResponse();
    expect(reasoning).toBe("I should look the weather up.");
    expect(first.output.map((item) => item.type)).toEqual(["reasoning", "function_call"]);
    expect(first.output[0]).toMatchObject({ type: "reasoning", summary: [{ type: "summary_text", text: "I should look the weather up." }] });
    const call = first.output[1];
    if (call?.type !== "function_call") throw new Error("expected a function call");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Oslo" });

    const second = await client.responses.create({
      model: "deepseek-reasoner",
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "4 degrees" }],
      tools: [weather],
    });
    expect(second.output.map((item) => item.type)).toEqual(["reasoning", "message"]);
    expect(second.output_text).toBe("It is 4 degrees in Oslo.");
    // DeepSeek saw the call and its result in the flattened conversation.
    const prompt = String((gateway.double.requestsTo("chat/completion").at(-1)?.body as { prompt?: unknown } | undefined)?.prompt);
    expect(prompt).toContain("4 degrees");
  });

  it("gives the AI SDK reasoning parts for each step", async () => {
    gateway.double.queueReplies(deepSeekCall("Need the weather tool.", "get_weather", { city: "Oslo" }), {
      thinking: "Now I can answer.",
      text: "Cold: 4 degrees.",
    });
    const openai = createOpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused" });
    const result = streamText({
      model: openai("deepseek-reasoner"),
      tools: { get_weather: tool({ inputSchema: z.object({ city: z.string() }), execute: async () => "4 degrees" }) },
      stopWhen: stepCountIs(3),
      prompt: "Weather in Oslo?",
    });
    const errors: unknown[] = [];
    for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error);
    expect(errors).toEqual([]);
    const steps = await result.steps;
    expect(steps.map((step) => step.reasoningText)).toEqual(["Need the weather tool.", "Now I can answer."]);
    expect(await result.text).toContain("Cold: 4 degrees.");
  });
});
