import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDeepSeekDouble, type DeepSeekDouble, type DeepSeekDoubleOptions } from "./index.js";
import { decodeStream, fragmentText, parseSse, RawClient } from "./test-support/raw-client.js";

const TOKEN = "completion-token";
let double: DeepSeekDouble;
let client: RawClient;
let session: string;

async function start(options: DeepSeekDoubleOptions = {}) {
  double = await startDeepSeekDouble({ tokens: [TOKEN], powDifficulty: 200, ...options });
  client = new RawClient(double.url);
  session = await client.createSession(TOKEN);
}
beforeEach(() => start());
afterEach(() => double.close());

const complete = (body: Record<string, unknown> = {}) => client.complete(TOKEN, { chat_session_id: session, ...body });
const names = (text: string) => parseSse(text).map((e) => e.event);
const bizError = (biz_code: number, biz_msg: string, biz_data: unknown = null) => ({ code: 0, msg: "", data: { biz_code, biz_msg, biz_data } });

describe("completion stream", () => {
  it("streams reasoning and answer in the Gen-3 fragment format", async () => {
    double.setReply({ text: "The answer is 42, as computed.", thinking: "Compute six times seven." });
    const response = await complete({ thinking_enabled: true, prompt: "What is six times seven?" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const { root, frames, named } = decodeStream(response.text);
    expect(fragmentText(root, "THINK")).toBe("Compute six times seven.");
    expect(fragmentText(root, "RESPONSE")).toBe("The answer is 42, as computed.");
    expect(root.response).toMatchObject({ status: "FINISHED", quasi_status: "FINISHED", message_id: 2, parent_id: 1, thinking_enabled: true });
    expect(named.map((e) => e.event)).toEqual(["ready", "update_session", "finish", "update_session", "title", "close"]);
    expect(JSON.parse(named[0]?.data ?? "null")).toEqual({ request_message_id: 1, response_message_id: 2, model_type: "default" });
    expect(JSON.parse(named[4]?.data ?? "null")).toEqual({ content: "What is six times se" });
    expect(JSON.parse(named[5]?.data ?? "null")).toEqual({ click_behavior: "none", auto_resume: false });

    // Wire details of §6.4/§6.5: the snapshot carries the first token, later tokens are pathless, the RESPONSE
    // fragment's first content frame omits "o", elapsed_secs closes THINK.
    expect(frames[0].v.response.fragments).toEqual([{ id: 2, type: "THINK", content: expect.any(String), elapsed_secs: null, references: [], stage_id: 1 }]);
    expect(frames[1]).toMatchObject({ p: "response/fragments/-1/content", o: "APPEND" });
    expect(frames.some((f) => f.p === undefined && f.o === undefined && typeof f.v === "string")).toBe(true);
    const opened = frames.findIndex((f) => f.p === "response/fragments" && f.o === "APPEND");
    expect(frames[opened - 1]).toMatchObject({ p: "response/fragments/-1/elapsed_secs", o: "SET" });
    expect(frames[opened].v[0]).toMatchObject({ id: 3, type: "RESPONSE", stage_id: 1 });
    expect(frames[opened + 1]).toEqual({ p: "response/fragments/-1/content", v: expect.any(String) });
    expect(frames.at(-2)).toMatchObject({ p: "response", o: "BATCH", v: [{ p: "accumulated_token_usage" }, { p: "quasi_status", v: "FINISHED" }] });
    expect(frames.at(-1)).toEqual({ p: "response/status", o: "SET", v: "FINISHED" });
  });

  it("sends 1–3 character tokens, whitespace-only ones included, and counts them", async () => {
    double.setReply("a b c d e f g h i j k l m n o p q r s t u v w x y z");
    const { frames, root } = decodeStream((await complete()).text);
    const tokens = [frames[0].v.response.fragments[0].content, ...frames.filter((f) => typeof f.v === "string" && f.p !== "response/status").map((f) => f.v)];
    expect(tokens.join("")).toBe("a b c d e f g h i j k l m n o p q r s t u v w x y z");
    for (const token of tokens) expect(Array.from(token).length).toBeGreaterThanOrEqual(1);
    for (const token of tokens) expect(Array.from(token).length).toBeLessThanOrEqual(3);
    expect(tokens.some((token) => token.trim() === "")).toBe(true);
    expect(root.response.accumulated_token_usage).toBe(tokens.length);
  });

  it("starts with a RESPONSE fragment when thinking is off and never splits a surrogate pair", async () => {
    double.setReply("emoji 😀😀😀 ok");
    const { root, frames } = decodeStream((await complete({ thinking_enabled: false })).text);
    expect(frames[0].v.response.fragments[0].type).toBe("RESPONSE");
    expect(fragmentText(root, "THINK")).toBe("");
    expect(fragmentText(root, "RESPONSE")).toBe("emoji 😀😀😀 ok");
    for (const frame of frames) if (typeof frame.v === "string") expect(frame.v).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
  });

  it("writes keep-alive comments between content frames", async () => {
    await double.close();
    await start({ keepAliveEvery: 5 });
    double.setReply("x".repeat(60));
    const text = (await complete()).text;
    expect(text).toContain("\n\n: \n\n");
    expect(fragmentText(decodeStream(text).root, "RESPONSE")).toBe("x".repeat(60));
  });

  it("can leave out the finish event, like the 2026-04-29 captures", async () => {
    await double.close();
    await start({ finishEvent: false });
    const events = names((await complete()).text).filter((name) => name !== "message");
    expect(events).toEqual(["ready", "update_session", "update_session", "title", "close"]);
  });

  it("appends the TIP fragment after the answer without changing the answer", async () => {
    double.setReply({ text: "Answer.", tip: true });
    const { root, frames } = decodeStream((await complete()).text);
    expect(fragmentText(root, "RESPONSE")).toBe("Answer.");
    expect(root.response.fragments.at(-1)).toMatchObject({ type: "TIP", style: "WARNING", hide_on_wip: true });
    const tip = frames.find((f) => Array.isArray(f.v) && f.v[0]?.type === "TIP");
    // The op is inherited from the content frames (capture C).
    expect(tip.o).toBeUndefined();
  });
});

describe("threading and model type", () => {
  it("numbers messages 2k−1 / 2k and requires the latest answer as parent", async () => {
    const [first] = parseSse((await complete({ model_type: "expert" })).text);
    expect(JSON.parse(first?.data ?? "null")).toEqual({ request_message_id: 1, response_message_id: 2, model_type: "expert" });
    for (const parent of [null, 1, 3]) {
      expect((await complete({ parent_message_id: parent })).json).toEqual(bizError(26, "invalid message id"));
    }
    const second = await complete({ parent_message_id: 2, model_type: "default" });
    const named = decodeStream(second.text).named;
    // The session keeps the model of its first message; only the first answer gets a title.
    expect(JSON.parse(named[0]?.data ?? "null")).toEqual({ request_message_id: 3, response_message_id: 4, model_type: "expert" });
    expect(named.map((e) => e.event)).not.toContain("title");
    expect(double.state.sessions.get(session)?.messages.map((m) => [m.id, m.role, m.parentId])).toEqual([
      [1, "USER", null],
      [2, "ASSISTANT", 1],
      [3, "USER", 2],
      [4, "ASSISTANT", 3],
    ]);
  });

  it("answers 422 when a required completion field is missing", async () => {
    const pow = await client.powHeader(TOKEN);
    const response = await client.request("POST", "chat/completion", { chat_session_id: session, prompt: "x" }, { authorization: `Bearer ${TOKEN}`, "x-ds-pow-response": pow });
    expect(response.status).toBe(422);
    expect(response.json).toEqual({ detail: [{ loc: "body.parent_message_id" }] });
  });
});

describe("scripted replies", () => {
  it("takes queued replies first, then the default, and gives reply functions the request", async () => {
    const seen: unknown[] = [];
    double.setReply((context) => {
      seen.push({ prompt: context.prompt, parent: context.parentMessageId, ids: [context.requestMessageId, context.responseMessageId], thinking: context.thinkingEnabled });
      return context.prompt.includes("weather")
        ? '<call:n0nce>{"name":"get_weather","arguments":{"city":"Paris"}}</call:n0nce>'
        : { text: "plain", thinking: "hmm" };
    });
    double.queueReplies("queued one");
    const answers = [];
    let parent: number | null = null;
    for (const prompt of ["first", "what is the weather in Paris?", "third"]) {
      const { root } = decodeStream((await complete({ prompt, parent_message_id: parent, thinking_enabled: true })).text);
      answers.push([fragmentText(root, "THINK"), fragmentText(root, "RESPONSE")]);
      parent = root.response.message_id;
    }
    expect(answers).toEqual([
      ["Let me think about how to answer this.", "queued one"],
      ["Let me think about how to answer this.", '<call:n0nce>{"name":"get_weather","arguments":{"city":"Paris"}}</call:n0nce>'],
      ["hmm", "plain"],
    ]);
    expect(seen).toEqual([
      { prompt: "what is the weather in Paris?", parent: 2, ids: [3, 4], thinking: true },
      { prompt: "third", parent: 4, ids: [5, 6], thinking: true },
    ]);
  });
});

describe("scenarios", () => {
  it("search: TOOL_SEARCH and TOOL_OPEN fragments, reasoning stages and citations (capture D's grammar)", async () => {
    double.setReply({ text: "Sunny[reference:0] and warm[reference:1].", thinking: "Look it up, read the pages, then answer." });
    double.setScenario({ kind: "search", queries: ["paris weather", "paris forecast"] });
    const { root, frames } = decodeStream((await complete({ thinking_enabled: true, search_enabled: true })).text);
    const fragments = root.response.fragments;
    expect(fragments.map((f: { type: string }) => f.type)).toEqual(["THINK", "TOOL_SEARCH", "TOOL_SEARCH", "THINK", "TOOL_OPEN", "TOOL_OPEN", "THINK", "RESPONSE"]);
    expect(fragments.filter((f: { type: string }) => f.type.startsWith("TOOL_")).every((f: { status: string }) => f.status === "FINISHED")).toBe(true);
    expect(fragments[1].results).toHaveLength(2);
    expect(fragments[4].reference).toEqual({ id: fragments[1].id, type: "TOOL_SEARCH" });
    expect(fragmentText(root, "THINK")).toBe("Look it up, read the pages, then answer.");
    expect(fragmentText(root, "RESPONSE")).toBe("Sunny[reference:0] and warm[reference:1].");
    // The second citation's references inherit APPEND from the first BATCH, so both accumulate.
    expect(fragments.at(-1).references).toEqual([
      { id: fragments[4].id, type: "TOOL_OPEN" },
      { id: fragments[5].id, type: "TOOL_OPEN" },
    ]);
    expect(root.response).toMatchObject({ conversation_mode: "DEEP_SEARCH", search_triggered: true, status: "FINISHED" });
    expect(frames.some((f) => /^response\/fragments\/-\d+\/results$/.test(f.p))).toBe(true);
    expect(frames.some((f) => f.p === "response/fragments/-1" && f.o === "BATCH")).toBe(true);
  });

  it("search without thinking: tool fragments, then the cited answer", async () => {
    double.setReply("[reference:0] leads the answer.");
    double.setScenario({ kind: "search" });
    const { root } = decodeStream((await complete({ thinking_enabled: false, search_enabled: true, prompt: "news" })).text);
    expect(root.response.fragments.map((f: { type: string }) => f.type)).toEqual(["TOOL_SEARCH", "TOOL_OPEN", "RESPONSE"]);
    expect(root.response.fragments[0].queries).toEqual([{ query: "news" }]);
    expect(fragmentText(root, "RESPONSE")).toBe("[reference:0] leads the answer.");
    expect(root.response.fragments[2].references).toEqual([{ id: root.response.fragments[1].id, type: "TOOL_OPEN" }]);
  });

  it("search is not triggered when the request has search off", async () => {
    double.setScenario({ kind: "search" });
    const { root } = decodeStream((await complete({ search_enabled: false })).text);
    expect(root.response.fragments.map((f: { type: string }) => f.type)).toEqual(["RESPONSE"]);
  });

  it("incomplete: the stream ends INCOMPLETE and /chat/continue replays the snapshot and finishes", async () => {
    double.setReply({ text: "The full answer has several words in it.", thinking: "A long chain of thought goes here." });
    double.queueScenario({ kind: "incomplete", rounds: 2 });
    const first = decodeStream((await complete({ thinking_enabled: true })).text);
    expect(first.root.response).toMatchObject({ status: "INCOMPLETE", quasi_status: "INCOMPLETE" });
    expect(first.named.map((e) => e.event)).toContain("title");
    expect(double.state.sessions.get(session)?.messages.at(-1)?.status).toBe("INCOMPLETE");

    const second = await client.continueMessage(TOKEN, session, 2);
    expect(second.text.startsWith('event: ready\ndata: {"request_message_id":1,"response_message_id":2,"model_type":"default"}\n\n: \n\n')).toBe(true);
    const middle = decodeStream(second.text);
    expect(middle.root.response.status).toBe("INCOMPLETE");
    // The continue snapshot replays everything the first round sent.
    const replayed = middle.frames[0].v.response;
    expect(replayed.accumulated_token_usage).toBe(first.root.response.accumulated_token_usage);
    expect(replayed.fragments.map((f: { content: string }) => f.content).join("")).toBe(
      first.root.response.fragments.map((f: { content: string }) => f.content).join(""),
    );
    expect(middle.named.map((e) => e.event)).not.toContain("title");

    const last = decodeStream((await client.continueMessage(TOKEN, session, 2)).text);
    expect(last.root.response.status).toBe("FINISHED");
    expect(fragmentText(last.root, "THINK")).toBe("A long chain of thought goes here.");
    expect(fragmentText(last.root, "RESPONSE")).toBe("The full answer has several words in it.");
    expect(last.root.response.accumulated_token_usage).toBeGreaterThan(middle.root.response.accumulated_token_usage);
    expect(double.state.sessions.get(session)?.messages.at(-1)?.status).toBe("FINISHED");

    // Nothing is left to continue, and the next turn threads on message 2 as usual.
    expect((await client.continueMessage(TOKEN, session, 2)).json).toEqual(bizError(26, "invalid message id"));
    expect(decodeStream((await complete({ parent_message_id: 2 })).text).root.response.status).toBe("FINISHED");
  });

  it("content filter: the answer is replaced by the refusal template (capture E's ending)", async () => {
    double.setReply("Something the filter dislikes.");
    double.queueScenario({ kind: "content-filter" });
    const { root, frames, named } = decodeStream((await complete()).text);
    expect(root.response).toMatchObject({ status: "CONTENT_FILTER", quasi_status: "CONTENT_FILTER", ban_regenerate: true });
    expect(root.response.fragments).toEqual([{ id: expect.any(Number), type: "TEMPLATE_RESPONSE", content: "你好，这个问题我暂时无法回答，让我们换个话题再聊聊吧。" }]);
    expect(frames.at(-1)).toEqual({ v: expect.arrayContaining([{ p: "status", v: "CONTENT_FILTER" }]) });
    // A keep-alive comes right before the terminal BATCH, as in the capture; no title after a refusal.
    expect(named.map((e) => e.event)).toEqual(["ready", "update_session", "comment", "finish", "update_session", "close"]);
  });

  it.each([
    ["rate-limit", { kind: "rate-limit" } as const, "消息发送过于频繁，请稍后重试", "rate_limit_reached", "retry"],
    ["input-too-long", { kind: "input-too-long" } as const, "Content is too long. Please shorten it and try again.", "input_exceeds_limit", "none"],
  ])("%s: ready, hint, close, and the turn is not kept", async (_, scenario, content, finishReason, click) => {
    double.queueScenario(scenario);
    const response = await complete();
    expect(response.status).toBe(200);
    const events = parseSse(response.text);
    expect(events.map((e) => e.event)).toEqual(["ready", "hint", "close"]);
    expect(JSON.parse(events[1]?.data ?? "null")).toEqual({ type: "error", content, clear_response: true, finish_reason: finishReason });
    expect(JSON.parse(events[2]?.data ?? "null")).toEqual({ click_behavior: click, auto_resume: false });
    expect(double.state.sessions.get(session)?.lastResponseMessageId).toBeNull();
    expect(decodeStream((await complete({ parent_message_id: null })).text).root.response.status).toBe("FINISHED");
  });

  it("input-too-long also follows from maxPromptChars", async () => {
    await double.close();
    await start({ maxPromptChars: 10 });
    expect(parseSse((await complete({ prompt: "x".repeat(11) })).text)[1]?.data).toContain("input_exceeds_limit");
    expect(decodeStream((await complete({ prompt: "x".repeat(10) })).text).root.response.status).toBe("FINISHED");
  });

  it("empty-output: reasoning only, FINISHED without a RESPONSE fragment", async () => {
    double.queueScenario({ kind: "empty-output" });
    const { root } = decodeStream((await complete({ thinking_enabled: true })).text);
    expect(root.response.status).toBe("FINISHED");
    expect(root.response.fragments.map((f: { type: string }) => f.type)).toEqual(["THINK"]);
    expect(root.response.fragments[0].elapsed_secs).toEqual(expect.any(Number));
  });

  it("json-error: an envelope instead of the stream, with the given status", async () => {
    double.queueScenario({ kind: "json-error", status: 429, bizCode: 40029, bizMsg: "rate limit" });
    const response = await complete();
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.json).toEqual(bizError(40029, "rate limit"));
  });

  it("waf: HTML instead of the stream", async () => {
    double.queueScenario({ kind: "waf" });
    const response = await complete();
    expect(response.status).toBe(202);
    expect(response.headers.get("x-amzn-waf-action")).toBe("challenge");
    expect(response.text).toMatch(/^<!DOCTYPE html>/);
  });

  it("drop: the connection dies mid-stream with no status", async () => {
    double.queueScenario({ kind: "drop", afterFrames: 5 });
    const pow = await client.powHeader(TOKEN);
    const response = await fetch(`${double.url}/api/v0/chat/completion`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "x-ds-pow-response": pow, "content-type": "application/json" },
      body: JSON.stringify({ chat_session_id: session, parent_message_id: null, prompt: "x" }),
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(double.requestsTo("chat/completion")[0]?.outcome).toBe("dropped");
  });

  it("a muted account gets biz_code 5 with mute_until", async () => {
    const muted = await startDeepSeekDouble({ accounts: [{ email: "m@example.com", password: "pw", status: "muted", muteUntil: 1_900_000_000 }] });
    try {
      const raw = new RawClient(muted.url);
      const token = await raw.login("m@example.com", "pw");
      const response = await raw.complete(token, { chat_session_id: await raw.createSession(token) });
      expect(response.json).toEqual(bizError(5, "user is muted", { mute_until: 1_900_000_000 }));
    } finally {
      await muted.close();
    }
  });
});

describe("concurrency and stopping", () => {
  /** Starts a completion and resolves once its response headers are in; the body is read later. */
  async function open(sessionId: string, signal?: AbortSignal) {
    const pow = await client.powHeader(TOKEN);
    return fetch(`${double.url}/api/v0/chat/completion`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "x-ds-pow-response": pow, "content-type": "application/json" },
      body: JSON.stringify({ chat_session_id: sessionId, parent_message_id: null, prompt: "x" }),
      ...(signal !== undefined && { signal }),
    });
  }

  it("refuses a third concurrent stream per token with the throttle hint, then serves again", async () => {
    const release = double.holdStreams();
    const sessions = [await client.createSession(TOKEN), await client.createSession(TOKEN)];
    const held = await Promise.all(sessions.map((id) => open(id)));
    expect(double.state.leases.get(TOKEN)).toBe(2);
    const third = await complete();
    const events = parseSse(third.text);
    expect(events.map((e) => e.event)).toEqual(["ready", "hint", "close"]);
    expect(JSON.parse(events[1]?.data ?? "null")).toMatchObject({ content: "消息发送过于频繁，请稍后再试", finish_reason: "rate_limit_reached" });
    release();
    for (const response of held) expect(decodeStream(await response.text()).root.response.status).toBe("FINISHED");
    expect(double.state.leases.size).toBe(0);
    expect(decodeStream((await complete()).text).root.response.status).toBe("FINISHED");
  });

  it("stop_stream ends the running answer INCOMPLETE", async () => {
    const release = double.holdStreams();
    const response = await open(session);
    expect((await client.post("chat/stop_stream", { chat_session_id: session, message_id: 2 }, TOKEN)).json.code).toBe(0);
    release();
    const { root } = decodeStream(await response.text());
    expect(root.response.status).toBe("INCOMPLETE");
    expect(double.state.sessions.get(session)?.messages.at(-1)?.status).toBe("INCOMPLETE");
  });

  it("a client that goes away frees its slot", async () => {
    const release = double.holdStreams();
    const controller = new AbortController();
    const response = await open(session, controller.signal);
    expect(double.state.leases.get(TOKEN)).toBe(1);
    controller.abort();
    await response.text().catch(() => undefined);
    // The held stream notices the departure without being released.
    await expect.poll(() => double.requestsTo("chat/completion")[0]?.outcome).toBe("aborted");
    expect(double.state.leases.size).toBe(0);
    release();
  });
});

describe("replay", () => {
  it("serves capture A byte for byte and threads on its ids", async () => {
    double.queueScenario({ kind: "replay", capture: "A" });
    const response = await complete();
    const { CAPTURES } = await import("./captures.js");
    expect(Buffer.from(response.text)).toEqual(Buffer.from(`${CAPTURES.A.text}\n`));
    expect(double.state.sessions.get(session)?.lastResponseMessageId).toBe(2);
    expect(decodeStream((await complete({ parent_message_id: 2 })).text).root.response.message_id).toBe(4);
  });

  it("serves capture F's completion round, then its continue round", async () => {
    double.queueScenario({ kind: "replay", capture: "F" });
    const { replayRounds } = await import("./replay-rounds.js");
    const [round1, round2] = replayRounds("F");
    expect((await complete()).text).toBe(round1);
    expect(double.state.sessions.get(session)?.messages.at(-1)?.status).toBe("INCOMPLETE");
    expect((await client.continueMessage(TOKEN, session, 2)).text).toBe(round2);
    expect(double.state.sessions.get(session)?.messages.at(-1)?.status).toBe("FINISHED");
  });
});
