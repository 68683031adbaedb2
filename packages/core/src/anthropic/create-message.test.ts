import { describe, expect, it } from "vitest";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { UpstreamError } from "../upstream.js";
import { createMessage } from "./create-message.js";

const call = '<call:{{nonce}}>{"name":"get_weather","arguments":{"city":"Paris"}}</call:{{nonce}}>';
const body = {
  model: "claude-x",
  max_tokens: 100,
  tools: [{ name: "get_weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }],
  messages: [{ role: "user", content: "Weather in Paris?" }],
};

function context(upstream: ReturnType<typeof createReplayUpstream>) {
  return { upstream, upstreamModel: "replay", signal: new AbortController().signal };
}

describe("createMessage", () => {
  it("answers an emulated call with a tool_use block and stop_reason tool_use", async () => {
    const upstream = createReplayUpstream({ responses: { text: `I'll check. ${call}`, chunkSize: 6, usage: { inputTokens: 50, outputTokens: 9 } } });
    const result = await createMessage(body, context(upstream));
    if (result.stream) throw new Error("expected a message");
    expect(result.message).toMatchObject({
      stop_reason: "tool_use",
      usage: { input_tokens: 50, output_tokens: 9 },
      content: [{ type: "text" }, { type: "tool_use", name: "get_weather", input: { city: "Paris" } }],
    });
    expect(JSON.stringify(result.message)).not.toContain("<call:");
  });

  it("sends a tool result back to the upstream as the next turn", async () => {
    const upstream = createReplayUpstream({ responses: { text: "It is 18C." } });
    const result = await createMessage(
      {
        ...body,
        messages: [
          ...body.messages,
          { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } }] },
          { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "18C" }] },
        ],
      },
      context(upstream),
    );
    if (result.stream) throw new Error("expected a message");
    expect(result.message.stop_reason).toBe("end_turn");
    expect(JSON.stringify(upstream.requests[0]!.messages)).toContain("18C");
  });

  it("streams thinking when asked and throws failures before output", async () => {
    const upstream = createReplayUpstream({ responses: { reasoning: "Hmm.", text: "Hi." } });
    const result = await createMessage({ ...body, stream: true, thinking: { type: "enabled", budget_tokens: 1024 } }, context(upstream));
    if (!result.stream) throw new Error("expected a stream");
    const types = [];
    for await (const event of result.events) types.push(event.type === "content_block_start" ? `start:${(event.content_block as { type: string }).type}` : event.type);
    expect(types.filter((type) => type.startsWith("start:"))).toEqual(["start:thinking", "start:text"]);
    expect(types.at(-1)).toBe("message_stop");

    const failing = createReplayUpstream({ responses: { failBefore: new UpstreamError("No account available.", { status: 503, retryable: true }) } });
    await expect(createMessage({ ...body, stream: true }, context(failing))).rejects.toMatchObject({ status: 503 });
  });
});
