import type { UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { capture, json, scriptedDeepSeek, type ScriptedOptions, sse } from "./__fixtures__/scripted-deepseek.js";
import { FakeClock } from "../accounts/__fixtures__/fake-clock.js";
import { CLOSE_TIMEOUT_MS, createDeepSeekUpstream, type DeepSeekUpstream } from "./create-deepseek-upstream.js";
import type { DeepSeekLogger } from "./logger.js";
import type { DeepSeekOptionsInput } from "./options.js";

const request = (model = "deepseek-reasoner", text = "hello"): UpstreamRequest => ({
  model,
  messages: [{ role: "user", content: text }],
  options: {},
});

function capturingLogger() {
  const lines: string[] = [];
  const log = (level: string) => (details: object, message?: string) => lines.push(JSON.stringify({ level, ...details, message }));
  const logger: DeepSeekLogger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  return { logger, lines };
}

// Each upstream has its own proof-of-work worker thread; close stops it.
const upstreams: DeepSeekUpstream[] = [];
afterEach(() => Promise.all(upstreams.splice(0).map((upstream) => upstream.close())));

function setup(script: ScriptedOptions, options: Partial<DeepSeekOptionsInput> = {}) {
  const deepseek = scriptedDeepSeek(script);
  const { logger, lines } = capturingLogger();
  const upstream = createDeepSeekUpstream(
    { baseURL: "http://deepseek.test", accounts: [{ token: "tok-A" }], ...options },
    { fetch: deepseek.fetch, logger },
  );
  upstreams.push(upstream);
  return { upstream, deepseek, lines };
}

async function collect(stream: AsyncIterable<UpstreamEvent>) {
  const events: UpstreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of stream) events.push(event);
  } catch (caught) {
    error = caught;
  }
  const text = events.flatMap((event) => (event.type === "text" ? [event.text] : [])).join("");
  const reasoning = events.flatMap((event) => (event.type === "reasoning" ? [event.text] : [])).join("");
  return { events, error, text, reasoning, end: events.find((event) => event.type === "end") };
}

const rateLimitHint = () => sse(capture("h-rate-limit.sse"));

/** A completion answer that stays open after `bytes`; `cancelled` says whether the provider let go of it. */
function hanging(bytes: Uint8Array) {
  let response: Response | undefined;
  return {
    script: () => (response = sse(bytes, { hang: true })),
    get cancelled() {
      return (response as unknown as { cancelled?: boolean } | undefined)?.cancelled === true;
    },
  };
}
const answerHead = () => capture("a-markdown-thinking.sse").subarray(0, 1500);
const allDeleted = (deepseek: ReturnType<typeof scriptedDeepSeek>) => [...deepseek.state.sessions.values()].every((s) => s.deleted);

describe("createDeepSeekUpstream", () => {
  it("streams reasoning and text of a real capture, with usage, then deletes the session", async () => {
    const { upstream, deepseek } = setup({ tokens: ["tok-A"] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(result.reasoning).toBe("我们只需要输出markdown格式的示例，展示四五个类型。比如标题、列表、代码块、表格、引用等。直接输出即可。");
    expect(result.text.startsWith("```markdown\n# 一级标题")).toBe(true);
    expect(result.events.at(-2)).toMatchObject({ type: "usage", outputTokens: 190 });
    expect(result.end).toEqual({ type: "end", reason: "stop" });
    const completion = deepseek.state.calls.find((call) => call.path === "/api/v0/chat/completion");
    expect(completion?.body).toMatchObject({ parent_message_id: null, model_type: "default", thinking_enabled: true, search_enabled: false });
    expect(String(completion?.body.prompt)).toBe("<｜begin▁of▁sentence｜><｜User｜>hello<｜Assistant｜>");
    expect(completion?.headers["x-client-version"]).toBe("2.0.4");
    expect(deepseek.state.powAccepted).toBe(1);
    expect(deepseek.state.sessions.size).toBe(1);
    expect(allDeleted(deepseek)).toBe(true);
    expect((await upstream.health()).inFlight).toBe(0);
  });

  it("model ids set the toggles", async () => {
    const { upstream, deepseek } = setup({ tokens: ["tok-A"] });
    await collect(upstream.stream(request("deepseek-chat-expert-search"), new AbortController().signal));
    const completion = deepseek.state.calls.find((call) => call.path === "/api/v0/chat/completion");
    expect(completion?.body).toMatchObject({ model_type: "expert", thinking_enabled: false, search_enabled: true });
    const unknown = await collect(upstream.stream(request("gpt-4o"), new AbortController().signal));
    expect(unknown.error).toMatchObject({ status: 404, code: "model_not_found" });
    const models = await upstream.listModels();
    expect(models.map((model) => model.id)).toContain("deepseek-reasoner-expert-search");
    expect(models.every((model) => !model.capabilities.nativeTools && model.capabilities.systemRole)).toBe(true);
  });

  it("logs in when an account has no token, once for concurrent requests", async () => {
    const { upstream, deepseek } = setup(
      { logins: { "a@example.com": "pw-1" } },
      { accounts: [{ email: "a@example.com", password: "pw-1" }] },
    );
    const [first, second] = await Promise.all([
      collect(upstream.stream(request(), new AbortController().signal)),
      collect(upstream.stream(request(), new AbortController().signal)),
    ]);
    expect(first.error ?? second.error).toBeUndefined();
    expect(deepseek.state.logins).toBe(1);
    expect(deepseek.state.calls.filter((call) => call.path === "/api/v0/chat/completion").every((call) => call.token === "login-token-a@example.com")).toBe(true);
  });

  it("a rejected token means one fresh login and a retry", async () => {
    const { upstream, deepseek } = setup(
      { logins: { "a@example.com": "pw-1" } },
      { accounts: [{ email: "a@example.com", password: "pw-1", token: "expired" }] },
    );
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(deepseek.state.logins).toBe(1);
    expect((await upstream.health()).accounts[0]?.status).toBe("ok");
  });

  it("a rejected token without a password rotates to the next account and is shown on health", async () => {
    const { upstream, deepseek } = setup({ tokens: ["tok-B"] }, { accounts: [{ token: "tok-A" }, { token: "tok-B" }] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(deepseek.state.calls.at(-2)?.token).toBe("tok-B");
    const health = await upstream.health();
    expect(health.accounts.map((account) => account.status)).toEqual(["invalid_token", "ok"]);
    expect(health.status).toBe("degraded");
  });

  it("a wrong password disables the account with a clear 503 when it is the only one", async () => {
    const { upstream } = setup({ logins: { "a@example.com": "right" } }, { accounts: [{ email: "a@example.com", password: "wrong" }] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 503, code: "wrong_password" });
    expect((await upstream.health()).accounts[0]).toMatchObject({ status: "wrong_password" });
    const again = await collect(upstream.stream(request(), new AbortController().signal));
    expect(again.error).toMatchObject({ status: 503, code: "no_usable_account" });
  });

  it("a rate-limit hint before any output moves the request to another account and cools the first down", async () => {
    const { upstream, deepseek } = setup(
      { tokens: ["tok-A", "tok-B"], completions: [rateLimitHint] },
      { accounts: [{ token: "tok-A" }, { token: "tok-B" }] },
    );
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(result.end).toEqual({ type: "end", reason: "stop" });
    expect(deepseek.state.sessions.size).toBe(2);
    expect(allDeleted(deepseek)).toBe(true);
    const health = await upstream.health();
    expect(health.accounts[0]).toMatchObject({ status: "rate_limited", detail: "rate_limit_reached: 消息发送过于频繁，请稍后重试" });
    expect(health.accounts[0]?.until).toBeDefined();
  });

  it("with nowhere else to go a rate limit is a 429 with retryAfter", async () => {
    const { upstream } = setup({ tokens: ["tok-A"], completions: [rateLimitHint] }, { rateLimitCooldownMs: 45_000 });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 45 });
  });

  it("version too low: 502 naming the option, no retries on other accounts", async () => {
    const { upstream, deepseek } = setup(
      { tokens: ["tok-A", "tok-B"], createSessionError: { code: 40005, msg: "CLIENT_VERSION_TOO_LOW", data: null } },
      { accounts: [{ token: "tok-A" }, { token: "tok-B" }], headers: { clientVersion: "1.0.0" } },
    );
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 502, code: "client_version_too_low" });
    expect((result.error as Error).message).toContain("headers.clientVersion");
    expect((result.error as Error).message).toContain("1.0.0");
    expect(deepseek.state.calls.filter((call) => call.path === "/api/v0/chat_session/create")).toHaveLength(1);
  });

  it("a rejected proof of work is retried once with a fresh challenge", async () => {
    const once = setup({ tokens: ["tok-A"], rejectPow: 1 });
    expect((await collect(once.upstream.stream(request(), new AbortController().signal))).error).toBeUndefined();
    expect(once.deepseek.state.calls.filter((call) => call.path === "/api/v0/chat/create_pow_challenge")).toHaveLength(2);
    const twice = setup({ tokens: ["tok-A"], rejectPow: 2 });
    const result = await collect(twice.upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 502, code: "pow_rejected" });
    expect(allDeleted(twice.deepseek)).toBe(true);
  });

  it("content filter ends with reason content-filter, without the refusal template as text", async () => {
    const { upstream } = setup({ tokens: ["tok-A"], completions: [() => sse(capture("e-content-filter.sse"))] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.end).toEqual({ type: "end", reason: "content-filter" });
    expect(result.text).not.toContain("你好，这个问题我暂时无法回答");
  });

  it("input too long is a 400 context_length_exceeded", async () => {
    const hint = 'event: ready\ndata: {"request_message_id":1,"response_message_id":2}\n\nevent: hint\ndata: {"type":"error","content":"Content is too long. Please shorten it and try again.","clear_response":true,"finish_reason":"input_exceeds_limit"}\n\n';
    const { upstream } = setup({ tokens: ["tok-A"], completions: [() => sse(hint)] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 400, code: "context_length_exceeded" });
  });

  it("a WAF block is a 502 upstream_blocked", async () => {
    const { upstream } = setup({ tokens: ["tok-A"], waf: true });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toMatchObject({ status: 502, code: "upstream_blocked" });
  });

  it("a stream that drops after output fails mid-stream with 502 and still deletes the session", async () => {
    const head = capture("a-markdown-thinking.sse").subarray(0, 1500);
    const { upstream, deepseek } = setup({ tokens: ["tok-A"], completions: [() => sse(head, { dropAfter: true })] });
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.reasoning.length).toBeGreaterThan(0);
    expect(result.error).toMatchObject({ status: 502, code: "upstream_stream_truncated" });
    expect(allDeleted(deepseek)).toBe(true);
    const cleanEnd = setup({ tokens: ["tok-A"], completions: [() => sse(head)] });
    const ended = await collect(cleanEnd.upstream.stream(request(), new AbortController().signal));
    expect(ended.error).toMatchObject({ status: 502, code: "upstream_stream_truncated" });
  });

  it("an INCOMPLETE answer is continued in the same session; past the bound it ends with length", async () => {
    const incomplete = [
      "event: ready",
      'data: {"request_message_id":1,"response_message_id":2}',
      "",
      'data: {"v":{"response":{"message_id":2,"status":"WIP","accumulated_token_usage":0,"fragments":[{"id":2,"type":"RESPONSE","content":"part one"}]}}}',
      "",
      'data: {"p":"response","o":"BATCH","v":[{"p":"accumulated_token_usage","v":5},{"p":"quasi_status","v":"INCOMPLETE"}]}',
      "",
      'data: {"p":"response/status","o":"SET","v":"INCOMPLETE"}',
      "",
    ].join("\n");
    const continued = [
      "event: ready",
      'data: {"request_message_id":1,"response_message_id":2}',
      "",
      'data: {"v":{"response":{"message_id":2,"status":"WIP","accumulated_token_usage":5,"fragments":[{"id":2,"type":"RESPONSE","content":"part one"}]}}}',
      "",
      'data: {"p":"response/fragments/-1/content","o":"APPEND","v":", part two"}',
      "",
      'data: {"p":"response","o":"BATCH","v":[{"p":"accumulated_token_usage","v":9},{"p":"quasi_status","v":"FINISHED"}]}',
      "",
      'data: {"p":"response/status","o":"SET","v":"FINISHED"}',
      "",
    ].join("\n");
    const { upstream, deepseek } = setup({ tokens: ["tok-A"], completions: [() => sse(incomplete), () => sse(continued)] });
    const result = await collect(upstream.stream(request("deepseek-chat"), new AbortController().signal));
    expect(result.text).toBe("part one, part two");
    expect(result.end).toEqual({ type: "end", reason: "stop" });
    expect(result.events.find((event) => event.type === "usage")).toMatchObject({ outputTokens: 9 });
    const cont = deepseek.state.calls.find((call) => call.path === "/api/v0/chat/continue");
    expect(cont?.body).toEqual({ chat_session_id: [...deepseek.state.sessions.keys()][0], message_id: 2, fallback_to_resume: true });

    const bounded = setup({ tokens: ["tok-A"], completions: [() => sse(incomplete)] }, { maxContinueRounds: 0 });
    const cut = await collect(bounded.upstream.stream(request("deepseek-chat"), new AbortController().signal));
    expect(cut.text).toBe("part one");
    expect(cut.end).toEqual({ type: "end", reason: "length" });
  });

  it("a client abort stops the upstream stream, deletes the session and frees the account", async () => {
    const completion = hanging(answerHead());
    const { upstream, deepseek } = setup({ tokens: ["tok-A"], completions: [completion.script] });
    const controller = new AbortController();
    const iterator = upstream.stream(request(), controller.signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: "reasoning" });
    expect((await upstream.health()).inFlight).toBe(1);
    controller.abort(new Error("client closed"));
    await expect(iterator.next()).rejects.toThrow("client closed");
    expect(completion.cancelled).toBe(true);
    // The server is told to stop generating (it would otherwise keep the account's stream busy), then the session goes.
    expect(deepseek.state.stopped).toEqual([{ sessionId: [...deepseek.state.sessions.keys()][0], messageId: 2 }]);
    expect(allDeleted(deepseek)).toBe(true);
    expect((await upstream.health()).inFlight).toBe(0);
  });

  it("a finished answer is not stopped; a concurrency refusal rests the account briefly and retries it", async () => {
    const busy = 'event: ready\ndata: {"request_message_id":1,"response_message_id":2}\n\nevent: hint\ndata: {"type":"error","content":"消息发送过于频繁，请稍后再试","clear_response":true,"finish_reason":"rate_limit_reached"}\n\nevent: close\ndata: {"click_behavior":"retry","auto_resume":false}\n\n';
    const { upstream, deepseek } = setup({ tokens: ["tok-A"], completions: [() => sse(busy)] });
    const started = Date.now();
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(deepseek.state.sessions.size).toBe(2);
    expect(deepseek.state.stopped).toEqual([]);
    expect((await upstream.health()).accounts[0]?.status).toBe("ok");
  });

  it("an iterator closed early (return) also cleans up", async () => {
    const { upstream, deepseek } = setup({ tokens: ["tok-A"] });
    const iterator = upstream.stream(request(), new AbortController().signal)[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    expect(allDeleted(deepseek)).toBe(true);
    expect((await upstream.health()).inFlight).toBe(0);
  });

  it("session deletion can be turned off", async () => {
    const { upstream, deepseek } = setup({ tokens: ["tok-A"] }, { deleteSessions: false });
    await collect(upstream.stream(request(), new AbortController().signal));
    expect(deepseek.state.calls.some((call) => call.path === "/api/v0/chat_session/delete")).toBe(false);
  });

  it("tokens and passwords never reach the logs or error messages", async () => {
    const secrets = ["tok-SECRET-1", "pw-SECRET-2", "login-token-x@example.com"];
    const { upstream, lines } = setup(
      { tokens: [], logins: { "x@example.com": "pw-SECRET-2" }, completions: [rateLimitHint] },
      {
        accounts: [{ token: "tok-SECRET-1" }, { email: "x@example.com", password: "pw-SECRET-2", token: "stale-SECRET" }],
        rateLimitCooldownMs: 50,
      },
    );
    const results = [
      await collect(upstream.stream(request(), new AbortController().signal)),
      await collect(upstream.stream(request(), new AbortController().signal)),
    ];
    expect(lines.length).toBeGreaterThan(3);
    const everything = [...lines, JSON.stringify(await upstream.health()), ...results.map((r) => `${String(r.error)} ${JSON.stringify(r.error)}`)].join("\n");
    for (const secret of [...secrets, "stale-SECRET"]) expect(everything).not.toContain(secret);
  });

  it("a JSON error answer to the completion (invalid session) is retried on another attempt", async () => {
    const { upstream, deepseek } = setup(
      {
        tokens: ["tok-A", "tok-B"],
        completions: [() => json({ code: 0, msg: "", data: { biz_code: 1, biz_msg: "ILLEGAL_CHAT_SESSION_ID", biz_data: null } })],
      },
      { accounts: [{ token: "tok-A" }, { token: "tok-B" }] },
    );
    const result = await collect(upstream.stream(request(), new AbortController().signal));
    expect(result.error).toBeUndefined();
    expect(deepseek.state.sessions.size).toBe(2);
  });

  it("close cancels a finished answer's tail instead of reading it out, then deletes the session", async () => {
    // The whole answer, FINISHED included, but the connection stays open as if the tail never came.
    const completion = hanging(capture("a-markdown-thinking.sse"));
    const { upstream, deepseek } = setup({ tokens: ["tok-A"], completions: [completion.script] });
    const iterator = upstream.stream(request(), new AbortController().signal)[Symbol.asyncIterator]();
    for (let step = await iterator.next(); !step.done && step.value.type !== "end"; step = await iterator.next()) {
      // Read up to the end, as the engine does.
    }
    // The request's own cleanup is now reading the tail (for up to 5 s); close must not wait for it.
    const finished = iterator.next();
    await upstream.close();
    expect(completion.cancelled).toBe(true);
    expect(await finished).toEqual({ done: true, value: undefined });
    expect(allDeleted(deepseek)).toBe(true);
    expect(deepseek.state.stopped).toEqual([]);
    expect((await upstream.health()).inFlight).toBe(0);
  });

  it(`close gives up on DeepSeek's answers to stop and delete after ${CLOSE_TIMEOUT_MS} ms`, async () => {
    const deepseek = scriptedDeepSeek({ tokens: ["tok-A"], completions: [hanging(answerHead()).script] });
    const unanswered = new Set(["/api/v0/chat/stop_stream", "/api/v0/chat_session/delete"]);
    const pending: string[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const path = new URL(String(input)).pathname;
      if (!unanswered.has(path)) return deepseek.fetch(input, init);
      pending.push(path);
      // Like fetch: no answer, until the signal aborts (at once when it already has).
      return new Promise<Response>((_, reject) => {
        const signal = init?.signal;
        if (signal?.aborted) reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason));
      });
    }) as typeof globalThis.fetch;
    const clock = new FakeClock();
    const { logger, lines } = capturingLogger();
    const upstream = createDeepSeekUpstream({ baseURL: "http://deepseek.test", accounts: [{ token: "tok-A" }] }, { fetch, logger, clock });
    const iterator = upstream.stream(request(), new AbortController().signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ type: "reasoning" });
    let closed = false;
    const closing = upstream.close().then(() => (closed = true));
    await clock.advance(CLOSE_TIMEOUT_MS - 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    expect(pending).toEqual(["/api/v0/chat/stop_stream"]);
    await clock.advance(1);
    await closing;
    expect(pending).toEqual(["/api/v0/chat/stop_stream", "/api/v0/chat_session/delete"]);
    expect((await upstream.health()).inFlight).toBe(0);
    expect(lines.some((line) => line.includes("deepseek session could not be deleted"))).toBe(true);
    await expect(iterator.next()).rejects.toMatchObject({ code: "provider_closed" });
  });
});

describe("the deprecated baseUrl setting", () => {
  it("still reaches the configured address and logs a warning naming the new spelling", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_details: object, message?: string) => void warnings.push(message ?? "") };
    const urls: string[] = [];
    const fetch = (async (input: RequestInfo | URL) => {
      urls.push(String(input));
      return new Response("{}", { status: 500 });
    }) as typeof globalThis.fetch;
    const upstream = createDeepSeekUpstream({ baseUrl: "http://old-spelling.test", accounts: [{ token: "tok-A" }] }, { fetch, logger, pow: { solve: async () => 0, encode: () => "" } });
    expect(warnings.join("\n")).toContain("baseUrl is deprecated: write baseURL");
    await upstream.close();
    expect(urls.every((url) => url.startsWith("http://old-spelling.test"))).toBe(true);
  });
});
