import { describe, expect, it } from "vitest";
import type { ContentPart } from "../canonical.js";
import { createChatCompletion } from "../engine/create-chat-completion.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";

const weather = {
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const radar = "data:image/png;base64,iVBORw0KGgo=";
const satellite = "https://example.test/satellite.png";

/** A Chat conversation whose two tool results each return an image between text parts. */
const body = {
  model: "client-model",
  tools: [weather],
  messages: [
    { role: "user", content: "Weather in Paris and Rome?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_A", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        { id: "call_B", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
      ],
    },
    {
      role: "tool",
      tool_call_id: "call_A",
      content: [
        { type: "text", text: "PARIS-BEFORE" },
        { type: "image_url", image_url: { url: radar } },
        { type: "text", text: "PARIS-AFTER" },
      ],
    },
    { role: "tool", tool_call_id: "call_B", content: [{ type: "image_url", image_url: satellite }, { type: "text", text: "ROME-TEXT" }] },
  ],
};

function flatten(content: string | ContentPart[]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : `[image ${part.url}]`)).join("");
}

describe("Chat tool messages with image parts, emulated", () => {
  it("reach the upstream with each image inside the result it belongs to, in the client's order", async () => {
    const upstream = createReplayUpstream({ responses: { text: "Paris has rain on the radar; Rome is sunny." } });
    const result = await createChatCompletion(body, { upstream, upstreamModel: "up", signal: new AbortController().signal });
    if (result.stream) throw new Error("expected a non-streaming response");
    expect(result.response.choices[0]?.message.content).toBe("Paris has rain on the radar; Rome is sunny.");

    const last = upstream.requests[0]!.messages.at(-1)!;
    expect(last.role).toBe("user");
    const content = last.content as string | ContentPart[];
    expect(Array.isArray(content)).toBe(true);
    expect((content as ContentPart[]).filter((part) => part.type === "image").map((part) => (part.type === "image" ? part.url : ""))).toEqual([
      radar,
      satellite,
    ]);
    // In place: Paris's image between Paris's texts, before Rome's result; Rome's image before Rome's text.
    const text = flatten(content);
    const order = ["PARIS-BEFORE", `[image ${radar}]`, "PARIS-AFTER", `[image ${satellite}]`, "ROME-TEXT"].map((piece) => text.indexOf(piece));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(text.indexOf("call_A")).toBeLessThan(text.indexOf(`[image ${radar}]`));
    expect(text.indexOf("call_B")).toBeLessThan(text.indexOf(`[image ${satellite}]`));
    expect(text.indexOf("call_B")).toBeGreaterThan(text.indexOf("PARIS-AFTER"));
  });
});
