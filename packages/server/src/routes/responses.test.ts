import { describe, expect, it } from "vitest";
import { readNamedEvents, routeHarness } from "./__fixtures__/route-harness.js";

describe("POST /v1/responses", () => {
  it("answers with a Response object, stores it, and serves GET and DELETE", async () => {
    const { post, app, logs } = routeHarness();
    const response = await post("/v1/responses", { model: "model-a", input: "hi", metadata: { topic: "greeting" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({
      object: "response",
      status: "completed",
      model: "model-a",
      store: true,
      metadata: { topic: "greeting" },
      output: [{ type: "message", content: [{ type: "output_text", text: "Hello there." }] }],
      usage: { input_tokens: 3, output_tokens: 2, total_tokens: 5 },
    });
    expect(logs.at(-1)).toMatchObject({ path: "/v1/responses", status: 200, responseId: body.id });

    const fetched = await app.request(`/v1/responses/${body.id}`);
    expect(await fetched.json()).toEqual(body);
    const deleted = await app.request(`/v1/responses/${body.id}`, { method: "DELETE" });
    expect(await deleted.json()).toEqual({ id: body.id, object: "response", deleted: true });
    const gone = await app.request(`/v1/responses/${body.id}`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as any).error).toMatchObject({ type: "invalid_request_error", code: "response_not_found" });
  });

  it("continues a conversation from previous_response_id and from item references", async () => {
    const { post, upstream } = routeHarness({ responses: [{ text: "Paris is sunny." }, { text: "Yes." }, { text: "Still yes." }] });
    const first = (await (await post("/v1/responses", { model: "model-a", instructions: "Be brief.", input: "Weather in Paris?" })).json()) as any;
    const second = await post("/v1/responses", { model: "model-a", previous_response_id: first.id, input: "Sure?" });
    expect(second.status).toBe(200);
    // The instructions of the earlier request are not carried over, as at OpenAI.
    expect(upstream.requests[1]!.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "Weather in Paris?"],
      ["assistant", "Paris is sunny."],
      ["user", "Sure?"],
    ]);

    await post("/v1/responses", {
      model: "model-a",
      input: [{ role: "user", content: "Weather in Paris?" }, { type: "item_reference", id: first.output[0].id }, { role: "user", content: "Sure?" }],
    });
    expect(upstream.requests[2]!.messages.map((m) => m.content)).toEqual(["Weather in Paris?", "Paris is sunny.", "Sure?"]);
  });

  it("streams named events with sequence numbers and stores the streamed response", async () => {
    const { post, app } = routeHarness({ responses: { reasoning: "Hmm.", text: ["Hel", "lo"], usage: { inputTokens: 5, outputTokens: 2 } } });
    const response = await post("/v1/responses", { model: "model-a", input: "hi", stream: true });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = await readNamedEvents(response);
    expect(events.map((e) => e.data.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]!.event).toBe("response.created");
    expect(events.at(-1)!.event).toBe("response.completed");
    const completed = events.at(-1)!.data.response;
    expect(completed.output.map((item: { type: string }) => item.type)).toEqual(["reasoning", "message"]);
    const stored = await app.request(`/v1/responses/${completed.id}`);
    expect(await stored.json()).toEqual(completed);
  });

  it("keeps nothing with store: false", async () => {
    const { post, app } = routeHarness();
    const body = (await (await post("/v1/responses", { model: "model-a", input: "hi", store: false })).json()) as any;
    expect(body.store).toBe(false);
    expect((await app.request(`/v1/responses/${body.id}`)).status).toBe(404);
    const chained = await post("/v1/responses", { model: "model-a", input: "more", previous_response_id: body.id });
    expect(chained.status).toBe(400);
    expect(((await chained.json()) as any).error).toMatchObject({ param: "previous_response_id", code: "previous_response_not_found" });
  });

  it("rejects malformed input in OpenAI's error shape, before calling the upstream", async () => {
    const { post, upstream } = routeHarness();
    const cases: [unknown, string][] = [
      [{ model: "model-a", input: [{ type: "web_search_call", id: "ws_1" }] }, "input[0].type"],
      [{ model: "model-a", input: [{ type: "function_call_output", call_id: "call_x", output: "1" }] }, "input[0].call_id"],
      [{ model: "model-a", input: "x", tools: [{ type: "custom", name: "apply_patch", format: { type: "grammar" } }] }, "tools[0].format.syntax"],
    ];
    for (const [body, param] of cases) {
      const response = await post("/v1/responses", body);
      expect(response.status).toBe(400);
      const error = ((await response.json()) as any).error;
      expect(error).toMatchObject({ type: "invalid_request_error", param });
      expect(typeof error.message).toBe("string");
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it("leaves out hosted tools by default (responses.unsupportedTools: ignore), and logs them", async () => {
    const { post, upstream, logs } = routeHarness();
    const response = await post("/v1/responses", { model: "model-a", input: "hi", tools: [{ type: "web_search" }], tool_choice: "auto" });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).tools).toEqual([]);
    expect(upstream.requests).toHaveLength(1);
    expect(logs.at(-1)).toMatchObject({ ignoredTools: ["web_search"] });
  });

  it("refuses hosted tools with responses.unsupportedTools: reject", async () => {
    const { post, upstream } = routeHarness({ config: { responses: { unsupportedTools: "reject" } } });
    const response = await post("/v1/responses", { model: "model-a", input: "hi", tools: [{ type: "file_search" }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error).toMatchObject({ type: "invalid_request_error", param: "tools[0].type" });
    expect(upstream.requests).toHaveLength(0);
  });
});
