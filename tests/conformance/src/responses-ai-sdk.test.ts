import { createOpenAI } from "@ai-sdk/openai";
import { generateText, stepCountIs, streamText, tool } from "ai";
import { createOpenAI as createOpenAIv3 } from "ai-sdk-openai-v3";
import { generateText as generateTextV6, stepCountIs as stepCountIsV6, streamText as streamTextV6, tool as toolV6 } from "ai-v6";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Gateway, MODEL, startGateway, toolLoop, gatewayForFile } from "./__fixtures__/responses-anthropic-gateway.js";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));
beforeEach(() => {
  gateway.double.script(toolLoop("get_weather", { city: "Oslo" }, ([result]) => `It is ${JSON.parse(result!).temperature} degrees in Oslo.`, "Checking. "));
});

/** Request bodies the AI SDK sent to toolshim, to see what it replays between steps. */
function recordingFetch(bodies: any[]): typeof fetch {
  return async (input, init) => {
    if (typeof init?.body === "string") bodies.push(JSON.parse(init.body));
    return fetch(input, init);
  };
}

const executed: string[] = [];
const getWeather = {
  description: "Current weather for a city",
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }: { city: string }) => {
    executed.push(city);
    return { temperature: 4 };
  },
};

// AI SDK 7 with @ai-sdk/openai 4, and AI SDK 6 with @ai-sdk/openai 3: `openai(model)` is the Responses API in both.
const versions = {
  "ai 7": { createOpenAI, generateText, streamText, stepCountIs, tool },
  "ai 6": { createOpenAI: createOpenAIv3, generateText: generateTextV6, streamText: streamTextV6, stepCountIs: stepCountIsV6, tool: toolV6 },
} as unknown as Record<string, { createOpenAI: typeof createOpenAI; generateText: typeof generateText; streamText: typeof streamText; stepCountIs: typeof stepCountIs; tool: typeof tool }>;

describe.each(Object.entries(versions))("AI SDK openai() over Responses, %s", (_name, sdk) => {
  for (const streaming of [false, true]) {
    it(`runs a multi-step tool loop, replaying its items by reference (${streaming ? "streamText" : "generateText"})`, async () => {
      const bodies: any[] = [];
      const openai = sdk.createOpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", fetch: recordingFetch(bodies) });
      executed.length = 0;
      const options = { model: openai(MODEL), tools: { get_weather: sdk.tool(getWeather) }, stopWhen: sdk.stepCountIs(3), prompt: "Weather in Oslo?" };
      let text: string;
      let steps: { finishReason: string; toolCalls: { toolName: string; input: unknown }[] }[];
      if (streaming) {
        const result = sdk.streamText(options);
        const errors: unknown[] = [];
        for await (const part of result.fullStream) if (part.type === "error") errors.push(part.error);
        expect(errors).toEqual([]);
        text = await result.text;
        steps = (await result.steps) as typeof steps;
      } else {
        const result = await sdk.generateText(options);
        text = result.text;
        steps = result.steps as typeof steps;
      }
      expect(executed).toEqual(["Oslo"]);
      expect(steps.map((step) => step.finishReason)).toEqual(["tool-calls", "stop"]);
      expect(steps[0]!.toolCalls.map((call) => [call.toolName, call.input])).toEqual([["get_weather", { city: "Oslo" }]]);
      expect(text).toContain("It is 4 degrees in Oslo.");

      // The second step referred to toolshim's own output items by id instead of re-sending them.
      expect(bodies).toHaveLength(2);
      const references = bodies[1].input.filter((item: { type?: string }) => item.type === "item_reference");
      expect(references.length).toBeGreaterThan(0);
      expect(bodies[1].input.some((item: { type?: string }) => item.type === "function_call_output")).toBe(true);
    });
  }

  it("works with store: false, re-sending every item", async () => {
    const bodies: any[] = [];
    const openai = sdk.createOpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", fetch: recordingFetch(bodies) });
    const result = await sdk.generateText({
      model: openai(MODEL),
      tools: { get_weather: sdk.tool(getWeather) },
      stopWhen: sdk.stepCountIs(3),
      prompt: "Weather in Oslo?",
      providerOptions: { openai: { store: false } },
    });
    expect(result.text).toContain("It is 4 degrees in Oslo.");
    expect(bodies[1].store).toBe(false);
    expect(bodies[1].input.some((item: { type?: string }) => item.type === "item_reference")).toBe(false);
  });
});
