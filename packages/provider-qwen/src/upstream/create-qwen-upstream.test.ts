import { UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { type QwenDouble, type QwenDoubleOptions, startQwenDouble } from "../double/index.js";
import { settingsSchema } from "../settings.js";
import { createQwenUpstream } from "./create-qwen-upstream.js";

// The provider against the HTTP double: sign-in, renewal, the account pool, the chat cycle, variants and every
// failure it must type (protocol reference §10, §11).

let double: QwenDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function setup(options: QwenDoubleOptions, settings: Record<string, unknown>) {
  double = await startQwenDouble(options);
  const upstream = createQwenUpstream(settingsSchema.parse({ baseURL: double.url, ...settings }));
  return { double, upstream };
}

const ask = (model = "qwen3.7-plus", extra: Partial<UpstreamRequest> = {}): UpstreamRequest => ({ model, messages: [{ role: "user", content: "Say hi." }], options: {}, ...extra });

async function collect(events: AsyncIterable<UpstreamEvent>): Promise<{ events: UpstreamEvent[]; error?: UpstreamError }> {
  const seen: UpstreamEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
    return { events: seen };
  } catch (error) {
    return { events: seen, error: error as UpstreamError };
  }
}

const text = (events: UpstreamEvent[], type: "text" | "reasoning" = "text") => events.flatMap((event) => (event.type === type ? [event.text] : [])).join("");
const ALICE = { email: "alice@example.com", password: "alice-pw-123" };
const completionBodies = (d: QwenDouble) => d.requestsTo("/chat/completions").filter((r) => !r.path.endsWith("/stop")).map((r) => r.body as { messages: { feature_config: Record<string, unknown>; chat_type: string }[] });

describe("qwen upstream", () => {
  it("signs in with e-mail and password, lists the upstream's models with variants, and answers", async () => {
    const { double, upstream } = await setup({ accounts: [ALICE] }, { accounts: [ALICE] });
    const ids = (await upstream.listModels()).map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(["qwen3.7-plus", "qwen3.7-plus-thinking", "qwen3.7-plus-search", "qwen3.7-plus-thinking-search", "qwen3.5-omni-plus"]));
    expect(ids).not.toContain("qwen3.5-omni-plus-thinking");
    const { events } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(text(events)).toBe("Hello!");
    expect(events.at(-1)).toEqual({ type: "end", reason: "stop" });
    expect(double.auth.logins).toBe(1);
    expect(double.requestsTo("/auths/signin")[0]?.path).toBe("/api/v2/auths/signin");
    expect([...double.chats.values()].every((chat) => chat.deleted)).toBe(true);
  });

  it("turns thinking and search on from the model id or reasoning_effort, and maps thinking to reasoning", async () => {
    const { double, upstream } = await setup({ tokens: ["t"] }, { accounts: [{ token: "t" }] });
    double.setReply((context) => ({ summary: context.thinking ? ["Think."] : [], answer: [context.search ? "searched" : "plain"] }));
    const thinking = await collect(upstream.stream(ask("qwen3.7-plus-thinking-search"), new AbortController().signal));
    expect(text(thinking.events, "reasoning")).toBe("Think.");
    expect(text(thinking.events)).toBe("searched");
    await collect(upstream.stream(ask("qwen3.7-plus", { options: { reasoningEffort: "high" } }), new AbortController().signal));
    await collect(upstream.stream(ask("qwen3.7-plus"), new AbortController().signal));
    const [first, second, third] = completionBodies(double).map((body) => body.messages[0]);
    expect(first).toMatchObject({ chat_type: "search", feature_config: { thinking_enabled: true, thinking_mode: "Thinking", auto_search: true, output_schema: "phase" } });
    expect(second).toMatchObject({ chat_type: "t2t", feature_config: { thinking_enabled: true } });
    expect(third).toMatchObject({ feature_config: { thinking_enabled: false, thinking_mode: "Fast" } });
  });

  it("signs in again, once, when the token has expired", async () => {
    const { double, upstream } = await setup({ accounts: [ALICE] }, { accounts: [{ ...ALICE, token: "stale-token" }] });
    const { events, error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text(events)).toBe("Hello!");
    expect(double.auth.logins).toBe(1);
  });

  it("renews a short-lived token before it runs out", async () => {
    const { double, upstream } = await setup({ accounts: [ALICE], tokenLifetimeSeconds: 30 }, { accounts: [ALICE] });
    await collect(upstream.stream(ask(), new AbortController().signal));
    await collect(upstream.stream(ask(), new AbortController().signal));
    expect(double.auth.logins).toBe(2);
  });

  it("retires an account whose pasted token is refused, saying what to paste", async () => {
    const { upstream } = await setup({ tokens: ["good"] }, { accounts: [{ name: "pasted", token: "revoked" }] });
    const { error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(error).toMatchObject({ code: "upstream_auth_failed" });
    expect(error?.message).toMatch(/"pasted".*fresh token/);
    expect(error?.message).not.toContain("revoked");
    expect((await upstream.health()).accounts).toEqual([expect.objectContaining({ account: "pasted", status: "invalid_token" })]);
  });

  it("moves to another account after a captcha and rests the first one", async () => {
    const { double, upstream } = await setup({ tokens: ["a", "b"] }, { accounts: [{ name: "one", token: "a" }, { name: "two", token: "b" }] });
    double.failNext({ kind: "waf" });
    const { events, error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(error).toBeUndefined();
    expect(text(events)).toBe("Hello!");
    const health = await upstream.health();
    expect(health.status).toBe("degraded");
    expect(health.accounts).toEqual(expect.arrayContaining([expect.objectContaining({ account: "one", status: "human_verification_required" })]));
  });

  it.each([
    [{ kind: "waf" } as const, 503, "human_verification_required"],
    [{ kind: "waf-html" } as const, 503, "human_verification_required"],
    [{ kind: "stream-error", code: "Too_Many_Requests", details: "slow down" } as const, 429, "rate_limited"],
    [{ kind: "envelope-error", code: "RateLimited", details: "daily limit", num: 4 } as const, 429, "daily_quota_exhausted"],
    [{ kind: "stream-error", code: "ContextLengthExceeded", details: "too long" } as const, 400, "context_length_exceeded"],
    [{ kind: "stream-error", code: "data_inspection_failed", details: "Output data may contain inappropriate content." } as const, 400, "content_filtered"],
    [{ kind: "envelope-error", code: "Bad_Request", details: "internal error" } as const, 502, "upstream_error"],
    [{ kind: "gateway-504" } as const, 502, "upstream_error"],
    [{ kind: "empty" } as const, 502, "empty_upstream_response"],
    [{ kind: "changed-shape" } as const, 502, "upstream_changed"],
  ])("types %o as HTTP %i %s", async (failure, status, code) => {
    const { double, upstream } = await setup({ tokens: ["a"] }, { accounts: [{ name: "solo", token: "a" }] });
    double.failNext(failure);
    const { events, error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(events.some((event) => event.type === "end")).toBe(false);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status, code });
    if (code === "daily_quota_exhausted") expect(error?.retryAfter).toBe(4 * 3600);
    if (code === "human_verification_required") expect(error?.message).toContain('"solo"');
  });

  it("does not move a too-long conversation to another account", async () => {
    const { double, upstream } = await setup({ tokens: ["a", "b"] }, { accounts: [{ token: "a" }, { token: "b" }] });
    double.failNext({ kind: "stream-error", code: "ContextLengthExceeded", details: "too long" });
    const { error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(error).toMatchObject({ status: 400 });
    expect(completionBodies(double)).toHaveLength(1);
  });

  it("retries nothing once text reached the client", async () => {
    const { double, upstream } = await setup({ tokens: ["a", "b"] }, { accounts: [{ token: "a" }, { token: "b" }] });
    double.failNext({ kind: "stream-error", code: "Too_Many_Requests", details: "slow down", afterAnswer: ["Half"] });
    const { events, error } = await collect(upstream.stream(ask(), new AbortController().signal));
    expect(text(events)).toBe("Half");
    expect(error).toMatchObject({ status: 429 });
    expect(completionBodies(double)).toHaveLength(1);
  });

  it("stops the generation and deletes the chat when the client leaves", async () => {
    const { double, upstream } = await setup({ tokens: ["a"], keepAliveMs: 20 }, { accounts: [{ token: "a" }] });
    double.setReply({ answer: ["partial"], end: "stall" });
    const controller = new AbortController();
    const iterator = upstream.stream(ask(), controller.signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "text", text: "partial" });
    controller.abort();
    await iterator.next().catch(() => {});
    const [chat] = [...double.chats.values()];
    expect(double.requestsTo("/completions/stop").map((request) => request.body)).toEqual([{ chat_id: chat?.id, response_id: chat?.responseIds[0] }]);
    expect(chat?.deleted).toBe(true);
    expect((await upstream.health()).inFlight).toBe(0);
  });

  it("takes the version-specific values from the config: an old Version header is refused, an override fixes it", async () => {
    const { double } = await setup({ tokens: ["a"], versions: ["0.3.99"] }, { accounts: [{ token: "a" }] });
    const stale = createQwenUpstream(settingsSchema.parse({ baseURL: double.url, accounts: [{ token: "a" }] }));
    expect((await collect(stale.stream(ask(), new AbortController().signal))).error?.message).toContain("unsupported client version 0.3.11");
    const fixed = createQwenUpstream(settingsSchema.parse({ baseURL: double.url, accounts: [{ token: "a" }], protocol: { version: "0.3.99" } }));
    expect(text((await collect(fixed.stream(ask(), new AbortController().signal))).events)).toBe("Hello!");
  });

  it("refuses an account with neither token nor password, and unknown keys, at config time", () => {
    expect(settingsSchema.safeParse({ accounts: [{ email: "x@example.com" }] }).success).toBe(false);
    expect(settingsSchema.safeParse({ accounts: [{ token: "t" }], maxStreams: 3 }).success).toBe(false);
    expect(settingsSchema.parse({ accounts: [{ token: "t" }], maxStreamsPerAccount: "3", deleteChats: "false" })).toMatchObject({ maxStreamsPerAccount: 3, deleteChats: false, baseURL: "https://chat.qwen.ai" });
  });

  it("keeps each account under its stream limit and shares one sign-in between concurrent requests", async () => {
    const bob = { email: "bob@example.com", password: "bob-pw" };
    // The double refuses a second concurrent stream per account with Too_Many_Requests: any overlap would fail.
    const { double, upstream } = await setup({ accounts: [ALICE, bob], maxConcurrentStreams: 1, frameDelayMs: 5 }, { accounts: [ALICE, bob], maxStreamsPerAccount: 1 });
    double.setReply({ keepAlivesFirst: 2, answer: ["one ", "two ", "three"] });
    const results = await Promise.all(Array.from({ length: 6 }, () => collect(upstream.stream(ask(), new AbortController().signal))));
    expect(results.map((result) => result.error)).toEqual(Array(6).fill(undefined));
    expect(results.map((result) => text(result.events))).toEqual(Array(6).fill("one two three"));
    expect(double.auth.logins).toBe(2);
  });
});
