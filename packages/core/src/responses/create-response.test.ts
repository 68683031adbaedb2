import { describe, expect, it } from "vitest";
import { UpstreamError } from "../upstream.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { createResponse } from "./create-response.js";
import type { ResponseStreamEvent } from "./response-encoder.js";

const call = '<call:{{nonce}}>{"name":"get_weather","arguments":{"city":"Paris"}}</call:{{nonce}}>';
const body = {
  model: "m",
  input: "Weather in Paris?",
  tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }],
};

function context(upstream: ReturnType<typeof createReplayUpstream>) {
  return { upstream, upstreamModel: "replay", signal: new AbortController().signal };
}

describe("createResponse", () => {
  it("turns an emulated call in the model's text into a function_call item", async () => {
    const upstream = createReplayUpstream({ responses: { text: `Let me look. ${call}`, chunkSize: 7, usage: { inputTokens: 30, outputTokens: 12 } } });
    const result = await createResponse(body, context(upstream));
    expect(result.stream).toBe(false);
    expect(result.store).toBe(true);
    expect(result.response.status).toBe("completed");
    expect(result.response.output.map((item) => item.type)).toEqual(["message", "function_call"]);
    expect(result.response.output[1]).toMatchObject({ name: "get_weather", arguments: '{"city":"Paris"}', status: "completed" });
    expect(result.response.usage).toMatchObject({ input_tokens: 30, output_tokens: 12 });
    // The markup never reaches the client.
    expect(JSON.stringify(result.response.output[0])).not.toContain("<call:");
  });

  it("streams the same answer and ends with the full response", async () => {
    const upstream = createReplayUpstream({ responses: { reasoning: "Think.", text: `Ok. ${call}`, chunkSize: 5 } });
    const result = await createResponse({ ...body, stream: true }, context(upstream));
    if (!result.stream) throw new Error("expected a stream");
    const events: ResponseStreamEvent[] = [];
    for await (const event of result.events) events.push(event);
    expect(events[0]!.type).toBe("response.created");
    expect(events.at(-1)!.type).toBe("response.completed");
    expect(result.response.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(events.at(-1)!.response).toEqual(result.response);
  });

  it("throws failures before any output, so the route can answer with a status", async () => {
    const upstream = createReplayUpstream({ responses: { failBefore: new UpstreamError("Upstream is rate limited.", { status: 429, retryable: true }) } });
    await expect(createResponse({ ...body, stream: true }, context(upstream))).rejects.toMatchObject({ status: 429 });
    await expect(createResponse({ model: "m" }, context(upstream))).rejects.toMatchObject({ status: 400, param: "input" });
  });

  it("stops the upstream when the stream is dropped before it is read", async () => {
    const upstream = createReplayUpstream({ responses: { text: ["a", "b", "c"], hangAfter: 1 } });
    const result = await createResponse({ ...body, stream: true }, context(upstream));
    if (!result.stream) throw new Error("expected a stream");
    expect(upstream.openStreams).toBe(1);
    await (result.events as AsyncIterableIterator<unknown>).return?.();
    expect(upstream.openStreams).toBe(0);
  });
});
