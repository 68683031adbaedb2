import { describe, expect, it } from "vitest";
import { ChatCompletionAccumulator } from "../chat/encode-chat-completion.js";
import type { ChatCompletionChunk } from "../chat/encode-chat-completion-chunks.js";
import { ToolshimError } from "../errors.js";
import { PolicyViolationError } from "../policy/policy-violation.js";
import { checkChatCompletionChunks } from "../testing/check-chat-completion-chunks.js";
import { type ReplayResponse, createReplayUpstream } from "../testing/create-replay-upstream.js";
import { UpstreamError } from "../upstream.js";
import { shaped } from "./__fixtures__/batched-upstream.js";
import { body, call, strict, timeTool, weatherTool } from "./__fixtures__/requests.js";
import type { ChatCompletionContext } from "./chat-completion-context.js";
import { createChatCompletion } from "./create-chat-completion.js";
import { toServerSentEvents } from "./to-server-sent-events.js";

function context(responses: ReplayResponse | ReplayResponse[], extra: Partial<Omit<ChatCompletionContext, "upstream">> = {}) {
  const upstream = shaped(createReplayUpstream({ responses }));
  return { upstream, upstreamModel: "upstream-model", signal: new AbortController().signal, ...extra };
}

async function streamed(request: Record<string, unknown>, ctx: ChatCompletionContext) {
  const result = await createChatCompletion({ ...request, stream: true }, ctx);
  if (!result.stream) throw new Error("expected a stream");
  const chunks: ChatCompletionChunk[] = [];
  for await (const chunk of result.chunks) chunks.push(chunk);
  return { chunks, stats: result.stats };
}

async function whole(request: Record<string, unknown>, ctx: ChatCompletionContext) {
  const result = await createChatCompletion({ ...request, stream: false }, ctx);
  if (result.stream) throw new Error("expected a response");
  return result;
}

function fold(chunks: ChatCompletionChunk[]) {
  const accumulator = new ChatCompletionAccumulator();
  for (const chunk of chunks) accumulator.add(chunk);
  return accumulator.result();
}

const twoCalls = `Let me check both.\n${call("get_weather", '{"city": "Paris"}')}\n${call("get_weather", '{"city": "Rome"}')}`;

describe("createChatCompletion", () => {
  it("streams text then calls with chunks that follow every streaming rule", async () => {
    const { chunks, stats } = await streamed(
      body({ stream_options: { include_usage: true } }),
      context({ text: twoCalls, chunkSize: 5, usage: { inputTokens: 50, outputTokens: 30 } }),
    );
    expect(checkChatCompletionChunks(chunks, { includeUsage: true })).toEqual([]);
    const completion = fold(chunks);
    expect(completion.choices[0]?.message.content).toBe("Let me check both.\n");
    expect(completion.choices[0]?.message.tool_calls?.map((c) => (c.type === "function" ? [c.function.name, JSON.parse(c.function.arguments)] : [c.custom.name, c.custom.input]))).toEqual([
      ["get_weather", { city: "Paris" }],
      ["get_weather", { city: "Rome" }],
    ]);
    expect(completion.choices[0]?.finish_reason).toBe("tool_calls");
    expect(completion.model).toBe("client-model");
    expect(stats).toMatchObject({ toolCalls: 2, finishReason: "tool_calls", mode: "emulate", usage: { inputTokens: 50, outputTokens: 30 } });
  });

  it("returns the same answer streamed and not streamed, whatever the chunking", async () => {
    const reference = (await whole(body(), context({ text: twoCalls, usage: { inputTokens: 1, outputTokens: 2 } }))).response;
    for (const chunkSize of [1, 2, 3, 7, 64]) {
      const { chunks } = await streamed(
        body({ stream_options: { include_usage: true } }),
        context({ text: twoCalls, chunkSize, usage: { inputTokens: 1, outputTokens: 2 } }),
      );
      const folded = fold(chunks);
      const strip = (c: typeof folded) => ({
        ...c,
        id: "",
        created: 0,
        choices: c.choices.map((choice) => ({
          ...choice,
          message: { ...choice.message, tool_calls: choice.message.tool_calls?.map((t) => ({ ...t, id: "" })) },
        })),
      });
      expect(strip(folded), `chunkSize ${chunkSize}`).toEqual(strip(reference));
    }
  });

  it("gives every call a fresh call_ id of 24 alphanumerics", async () => {
    const { response } = await whole(body(), context({ text: twoCalls }));
    const ids = response.choices[0]?.message.tool_calls?.map((c) => c.id) ?? [];
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(new Set(ids).size).toBe(2);
  });

  it("argumentsInOneDelta sends each call's complete arguments in the one delta after its opening delta", async () => {
    const { chunks } = await streamed(body(), context({ text: twoCalls, chunkSize: 3 }, { argumentsInOneDelta: true }));
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(toolDeltas.map((d) => [d.index, "type" in d, "function" in d ? d.function.arguments : undefined])).toEqual([
      [0, true, ""],
      [0, false, '{"city": "Paris"}'],
      [1, true, ""],
      [1, false, '{"city": "Rome"}'],
    ]);
    expect(checkChatCompletionChunks(chunks, { argumentsInOneDelta: true })).toEqual([]);
  });

  it("sends the usage chunk only when include_usage is set", async () => {
    const reply = { text: "Hi", usage: { inputTokens: 3, outputTokens: 1 } };
    const without = await streamed(body(), context(reply));
    expect(without.chunks.some((c) => c.usage)).toBe(false);
    expect(checkChatCompletionChunks(without.chunks)).toEqual([]);
    const withUsage = await streamed(body({ stream_options: { include_usage: true } }), context(reply));
    expect(withUsage.chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
  });

  it("finishes with stop, tool_calls or length as the output warrants", async () => {
    const finish = async (reply: ReplayResponse) => (await whole(body(), context(reply))).response.choices[0]?.finish_reason;
    expect(await finish({ text: "Sunny." })).toBe("stop");
    expect(await finish({ text: call("get_time", "{}") })).toBe("tool_calls");
    expect(await finish({ text: "Sunny and", end: "length" })).toBe("length");
    expect(await finish({ text: "Blocked", end: "content-filter" })).toBe("content_filter");
  });

  it("a call cut off by the length limit finishes with length and is never claimed complete", async () => {
    const cut = { text: `Checking.${call("get_weather", '{"city": "Par')}`.replace(/"Par.*$/, '"Par'), end: "length" as const };
    const { response } = await whole(body(), context(cut));
    expect(response.choices[0]?.finish_reason).toBe("length");
    expect(response.choices[0]?.message.tool_calls).toBeUndefined();
    expect(response.choices[0]?.message.content).toBe("Checking.");

    const { chunks } = await streamed(body(), context({ ...cut, chunkSize: 4 }));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");
    expect(JSON.stringify(chunks)).not.toContain("<call:");
  });

  it("tool_choice none renders no tools, parses nothing and answers with text", async () => {
    const ctx = context({ text: 'Sure: <call:abcdefghij>{"name": "get_time", "arguments": {}}</call:abcdefghij>' });
    const { response } = await whole(body({ tool_choice: "none" }), ctx);
    expect(response.choices[0]?.message.tool_calls).toBeUndefined();
    expect(response.choices[0]?.message.content).toContain("<call:abcdefghij>");
    expect(response.choices[0]?.finish_reason).toBe("stop");
    expect(JSON.stringify(ctx.upstream.requests[0]?.messages)).not.toContain("get_weather");
  });

  it("echoes the client's model id and sends the upstream its own", async () => {
    const ctx = context({ text: "Hi" });
    const { chunks } = await streamed(body(), ctx);
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set(["client-model"]));
    expect(ctx.upstream.requests[0]?.model).toBe("upstream-model");
  });

  it("encodes the legacy functions API as function_call", async () => {
    const request = {
      model: "client-model",
      messages: [{ role: "user", content: "Time?" }],
      functions: [timeTool.function],
    };
    const { response } = await whole(request, context({ text: call("get_time", "{}") }));
    expect(response.choices[0]?.message.function_call).toEqual({ name: "get_time", arguments: "{}" });
    expect(response.choices[0]?.finish_reason).toBe("function_call");
  });

  it("throws errors before any output, so the server can answer with a status", async () => {
    const error = new UpstreamError("Rate limited by the upstream.", { status: 429, retryable: true, code: "rate_limited" });
    await expect(createChatCompletion({ ...body(), stream: true }, context({ failBefore: error }))).rejects.toBe(error);
    await expect(createChatCompletion({ ...body(), stream: false }, context({ failBefore: error }))).rejects.toBe(error);
    await expect(createChatCompletion({ model: "m" }, context({ text: "x" }))).rejects.toMatchObject({ status: 400, param: "messages" });
  });

  it("surfaces a failure after output from the chunk iterator, and as an SSE error event", async () => {
    const error = new UpstreamError("The upstream connection dropped.", { status: 502, retryable: true });
    const reply = { text: ["Hello", " there", " friend"], failAfter: { events: 2, error } };
    const result = await createChatCompletion({ ...body(), stream: true }, context(reply));
    if (!result.stream) throw new Error("expected a stream");
    const seen: ChatCompletionChunk[] = [];
    await expect(
      (async () => {
        for await (const chunk of result.chunks) seen.push(chunk);
      })(),
    ).rejects.toBe(error);
    expect(seen.map((c) => c.choices[0]?.delta.content).join("")).toBe("Hello there");

    const again = await createChatCompletion({ ...body(), stream: true }, context(reply));
    if (!again.stream) throw new Error("expected a stream");
    const text = await new Response(toServerSentEvents(again.chunks, { keepAliveMs: 0 })).text();
    expect(text).toMatch(/data: \{"error":\{"message":"The upstream connection dropped\.","type":"server_error"/);
    expect(text).not.toContain("[DONE]");
  });

  it("strict: invalid arguments never reach the client, streamed or not", async () => {
    const bad = { text: `On it.${call("get_weather", '{"town": "Paris"}')}` };
    const request = body({ tools: [strict(weatherTool)] });
    await expect(whole(request, context(bad, { repairAttempts: 0 }))).rejects.toBeInstanceOf(PolicyViolationError);

    const result = await createChatCompletion({ ...request, stream: true }, context({ ...bad, chunkSize: 3 }, { repairAttempts: 0 }));
    if (!result.stream) throw new Error("expected a stream");
    const seen: ChatCompletionChunk[] = [];
    const failure = await (async () => {
      for await (const chunk of result.chunks) seen.push(chunk);
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PolicyViolationError);
    expect(failure).toMatchObject({ status: 502, code: "invalid_arguments", retryable: false });
    expect(seen.some((c) => c.choices[0]?.delta.tool_calls)).toBe(false);
    expect(JSON.stringify(seen)).not.toContain("town");
  });

  it("a policy failure before any output is a JSON error with status 502 and the violation as code", async () => {
    const request = { ...body({ tool_choice: "required" }), stream: true };
    const failure = await createChatCompletion(request, context({ text: "No tools needed." })).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ToolshimError);
    expect((failure as ToolshimError).toOpenAI()).toEqual({
      error: {
        message: expect.stringContaining("tool_choice requires a tool call"),
        type: "server_error",
        param: null,
        code: "no_call_when_required",
      },
    });
    expect((failure as ToolshimError).status).toBe(502);
  });

  it("aborting stops the stream promptly and closes the upstream request", async () => {
    const controller = new AbortController();
    const ctx = context({ text: ["Hel", "lo"], hangAfter: 2 }, { signal: controller.signal });
    const result = await createChatCompletion({ ...body(), stream: true }, ctx);
    if (!result.stream) throw new Error("expected a stream");
    const iterator = result.chunks[Symbol.asyncIterator]();
    // Everything the upstream sent before it hangs, however it was cut into chunks (a batched upstream's text may
    // arrive as one delta).
    let content = "";
    while (content !== "Hello") content += (await iterator.next()).value?.choices[0]?.delta.content ?? "";
    const pending = iterator.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: "client_closed_request" });
    await expect.poll(() => ctx.upstream.openStreams, { timeout: 5000 }).toBe(0);
  });

  it("closing the chunks before reading them closes the upstream request", async () => {
    const ctx = context({ text: ["a", "b", "c"], hangAfter: 1 });
    const result = await createChatCompletion({ ...body(), stream: true }, ctx);
    if (!result.stream) throw new Error("expected a stream");
    expect(ctx.upstream.openStreams).toBe(1);
    await result.chunks[Symbol.asyncIterator]().return?.();
    expect(ctx.upstream.openStreams).toBe(0);
  });
});

describe("reasoning in the upstream's text", () => {
  const thinking = "<think>The user greets me.</think>Hello there.";

  for (const [label, request] of [
    ["without tools", body({ tools: undefined })],
    ['with tool_choice "none"', body({ tool_choice: "none" })],
    ["with tools", body()],
  ] as const) {
    it(`is split out as reasoning_content ${label}`, async () => {
      const { chunks } = await streamed(request, context({ text: thinking, chunkSize: 3 }));
      expect(checkChatCompletionChunks(chunks)).toEqual([]);
      const message = fold(chunks).choices[0]?.message as { content: string | null; reasoning_content?: string };
      expect(message.content).toBe("Hello there.");
      expect(message.reasoning_content).toBe("The user greets me.");
    });
  }

  it("starts inside reasoning when the upstream's template opened it (reasoningOpen)", async () => {
    const text = "Plain thoughts.</think>The answer.";
    const opened = await whole(body({ tools: undefined }), context({ text, chunkSize: 4 }, { reasoningOpen: true }));
    expect(opened.response.choices[0]?.message).toMatchObject({ content: "The answer.", reasoning_content: "Plain thoughts." });
    const closed = await whole(body({ tools: undefined }), context({ text, chunkSize: 4 }));
    expect(closed.response.choices[0]?.message.content).toBe(text);
  });

  it("never turns a call-like block into a call when tool_choice is none", async () => {
    const { response, stats } = await whole(body({ tool_choice: "none" }), context({ text: twoCalls }));
    expect(response.choices[0]?.finish_reason).toBe("stop");
    expect(response.choices[0]?.message.tool_calls).toBeUndefined();
    expect(stats.toolCalls).toBe(0);
  });
});
