import { UpstreamError } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import { readNamedEvents, routeHarness } from "./__fixtures__/route-harness.js";

const hello = { model: "model-a", max_tokens: 64, messages: [{ role: "user", content: "hi" }] };

describe("POST /v1/messages", () => {
  it("answers with an Anthropic message, with or without ?beta=true", async () => {
    const { post } = routeHarness();
    for (const path of ["/v1/messages", "/v1/messages?beta=true"]) {
      const response = await post(path, hello, { "anthropic-version": "2023-06-01" });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        type: "message",
        role: "assistant",
        model: "model-a",
        content: [{ type: "text", text: "Hello there." }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 3, output_tokens: 2 },
      });
    }
  });

  it("streams every event with its event: name, pings when quiet, and ends without [DONE]", async () => {
    const { post } = routeHarness({ server: { keepAliveMs: 20 }, responses: { text: ["Hel", "lo"], delayMs: 60 } });
    const response = await post("/v1/messages", { ...hello, stream: true });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readNamedEvents(response);
    const names = events.map((e) => e.event).filter((name) => name !== "ping");
    expect(names).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(events.some((e) => e.event === "ping")).toBe(true);
    expect(events[0]!.data.message.usage.input_tokens).toBeGreaterThan(0);
    expect(events.find((e) => e.event === "message_delta")!.data.usage.output_tokens).toBeTypeOf("number");
  });

  it("estimates tokens at /v1/messages/count_tokens", async () => {
    const { post, upstream } = routeHarness();
    const response = await post("/v1/messages/count_tokens?beta=true", { model: "model-a", messages: [{ role: "user", content: "Hello there, how are you?" }] });
    expect(await response.json()).toEqual({ input_tokens: 11 });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers errors in Anthropic's shape with the right status", async () => {
    const { post } = routeHarness();
    const orphan = await post("/v1/messages", {
      ...hello,
      messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_9", content: "x" }] }],
    });
    expect(orphan.status).toBe(400);
    const body = (await orphan.json()) as any;
    expect(body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(body.error.message).toContain("messages.0.content.0.tool_use_id");
    expect(typeof body.request_id).toBe("string");

    const noModel = await post("/v1/messages", { ...hello, model: "nope" });
    expect(noModel.status).toBe(404);
    expect(((await noModel.json()) as any).error.type).toBe("not_found_error");

    const failing = routeHarness({ responses: { failBefore: new UpstreamError("Upstream overloaded.", { status: 503, retryable: true }) } });
    const overloaded = await failing.post("/v1/messages", hello);
    expect(overloaded.status).toBe(503);
    expect(((await overloaded.json()) as any).error).toEqual({ type: "overloaded_error", message: "Upstream overloaded." });
  });

  it("checks x-api-key and answers a wrong key in Anthropic's shape", async () => {
    const { post } = routeHarness({ server: { apiKeys: ["secret-key"] } });
    const denied = await post("/v1/messages", hello, { "x-api-key": "wrong" });
    expect(denied.status).toBe(401);
    expect(((await denied.json()) as any).error.type).toBe("authentication_error");
    const allowed = await post("/v1/messages", hello, { "x-api-key": "secret-key" });
    expect(allowed.status).toBe(200);
  });
});
