import type { UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { afterEach, describe, expect, it } from "vitest";
import { type DeepSeekDouble, type DeepSeekDoubleOptions, startDeepSeekDouble } from "../double/index.js";
import { PowSolver } from "../pow/index.js";
import { createDeepSeekUpstream, type DeepSeekDeps, type DeepSeekUpstream } from "./create-deepseek-upstream.js";
import type { DeepSeekOptionsInput } from "./options.js";

// The real provider over HTTP against the protocol double: login flows, every stream scenario the double knows,
// replayed captures, and the account pool under concurrency.

let double: DeepSeekDouble | undefined;
const upstreams: DeepSeekUpstream[] = [];
afterEach(async () => {
  // Each upstream has its own proof-of-work worker thread; close stops it.
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
  await double?.close();
  double = undefined;
});

function upstreamFor(url: string, options: Omit<DeepSeekOptionsInput, "baseURL">, deps: DeepSeekDeps = {}): DeepSeekUpstream {
  const upstream = createDeepSeekUpstream({ baseURL: url, ...options }, deps);
  upstreams.push(upstream);
  return upstream;
}

async function setup(doubleOptions: DeepSeekDoubleOptions, options: Omit<DeepSeekOptionsInput, "baseURL">) {
  double = await startDeepSeekDouble({ powDifficulty: 300, ...doubleOptions });
  return { double, upstream: upstreamFor(double.url, options) };
}

const request = (model: string, text = "hello"): UpstreamRequest => ({ model, messages: [{ role: "user", content: text }], options: {} });

async function run(upstream: DeepSeekUpstream, model = "deepseek-chat", signal = new AbortController().signal) {
  const events: UpstreamEvent[] = [];
  let error: unknown;
  try {
    for await (const event of upstream.stream(request(model), signal)) events.push(event);
  } catch (caught) {
    error = caught;
  }
  const join = (type: "text" | "reasoning") => events.flatMap((event) => (event.type === type ? [event.text] : [])).join("");
  return { events, error, text: join("text"), reasoning: join("reasoning"), end: events.find((event) => event.type === "end") };
}

const openStreams = (d: DeepSeekDouble) => [...d.state.leases.values()].reduce((sum, open) => sum + open, 0);

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const sessionsLeft = (d: DeepSeekDouble) => [...d.state.sessions.values()].filter((session) => !session.deleted).length;

describe("provider against the double", () => {
  it("thinking and answer arrive separately and exactly; the session is deleted", async () => {
    const { double, upstream } = await setup(
      { tokens: ["t1"], reply: { text: "The answer is 42.\n\n- one\n- two", thinking: "Let me think about 6 × 7." } },
      { accounts: [{ token: "t1" }] },
    );
    const result = await run(upstream, "deepseek-reasoner");
    expect(result.error).toBeUndefined();
    expect(result.reasoning).toBe("Let me think about 6 × 7.");
    expect(result.text).toBe("The answer is 42.\n\n- one\n- two");
    expect(result.end).toEqual({ type: "end", reason: "stop" });
    const usage = result.events.find((event) => event.type === "usage");
    expect(usage?.type === "usage" && (usage.outputTokens ?? 0) > 0).toBe(true);
    expect(sessionsLeft(double)).toBe(0);
    const [completion] = double.requestsTo("chat/completion");
    expect(completion?.body).toMatchObject({ thinking_enabled: true, search_enabled: false, model_type: "default", parent_message_id: null });
  });

  it("search: tool fragments and citation batches leave only the answer text", async () => {
    const { upstream } = await setup(
      { tokens: ["t1"], reply: "Sunny in Guangzhou[reference:0], 25°C[reference:1].", scenario: { kind: "search", queries: ["weather"] } },
      { accounts: [{ token: "t1" }] },
    );
    const result = await run(upstream, "deepseek-reasoner-search");
    expect(result.error).toBeUndefined();
    expect(result.text).toBe("Sunny in Guangzhou[reference:0], 25°C[reference:1].");
  });

  it("an INCOMPLETE answer is continued until it finishes; past maxContinueRounds it ends with length", async () => {
    const text = "A long answer that DeepSeek cut off twice before finishing it.";
    const whole = await setup({ tokens: ["t1"], reply: text, scenario: { kind: "incomplete", rounds: 2 } }, { accounts: [{ token: "t1" }] });
    const result = await run(whole.upstream);
    expect(result.text).toBe(text);
    expect(result.end).toEqual({ type: "end", reason: "stop" });
    expect(whole.double.requestsTo("chat/continue")).toHaveLength(2);
    await whole.double.close();

    const bounded = await setup(
      { tokens: ["t1"], reply: text, scenario: { kind: "incomplete", rounds: 2 } },
      { accounts: [{ token: "t1" }], maxContinueRounds: 1 },
    );
    const cut = await run(bounded.upstream);
    expect(cut.end).toEqual({ type: "end", reason: "length" });
    expect(text.startsWith(cut.text)).toBe(true);
    expect(cut.text.length).toBeLessThan(text.length);
    expect(sessionsLeft(bounded.double)).toBe(0);
  });

  it("replayed capture F (INCOMPLETE, then /chat/continue) gives the text both rounds contain", async () => {
    const { upstream } = await setup({ tokens: ["t1"], scenario: { kind: "replay", capture: "F" } }, { accounts: [{ token: "t1" }] });
    const result = await run(upstream, "deepseek-reasoner");
    expect(result.reasoning).toBe("我们被问到T) = 4。");
    expect(result.text).toBe("园丁可以}");
    expect(result.events.find((event) => event.type === "usage")).toMatchObject({ outputTokens: 2551 });
    expect(result.end).toEqual({ type: "end", reason: "stop" });
  });

  it("content filter ends with its reason", async () => {
    const { double, upstream } = await setup({ tokens: ["t1"], reply: "Some text before the filter." }, { accounts: [{ token: "t1" }] });
    double.queueScenario({ kind: "content-filter" });
    const filtered = await run(upstream);
    expect(filtered.end).toEqual({ type: "end", reason: "content-filter" });
  });

  it("an empty answer before any output moves the request to another account, which is not rested", async () => {
    const { double, upstream } = await setup({ tokens: ["t1", "t2"], reply: "Here it is." }, { accounts: [{ token: "t1" }, { token: "t2" }] });
    double.queueScenario({ kind: "empty-output" });
    const result = await run(upstream);
    expect(result.error).toBeUndefined();
    expect(result.text).toBe("Here it is.");
    expect(double.requestsTo("chat/completion").map((entry) => entry.token)).toEqual(["t1", "t2"]);
    expect((await upstream.health()).accounts.map((account) => account.status)).toEqual(["ok", "ok"]);
    expect(sessionsLeft(double)).toBe(0);
  });

  it("empty answers on every account tried are a 429 saying so", async () => {
    const { double, upstream } = await setup(
      { tokens: ["t1", "t2"], reply: "unused", scenario: { kind: "empty-output" } },
      { accounts: [{ token: "t1" }, { token: "t2" }], rateLimitCooldownMs: 30_000 },
    );
    const result = await run(upstream);
    expect(result.events).toEqual([]);
    expect(result.error).toMatchObject({ status: 429, code: "upstream_empty_output", retryable: true, retryAfter: 30 });
    expect(String((result.error as Error).message)).toMatch(/empty answer \(no text, no reasoning\) on each of the 2 accounts tried/);
    expect(double.requestsTo("chat/completion")).toHaveLength(2);
    expect(sessionsLeft(double)).toBe(0);

    const single = upstreamFor(double.url, { accounts: [{ token: "t1" }] });
    expect(String(((await run(single)).error as Error).message)).toMatch(/empty answer \(no text, no reasoning\) on the account tried/);
  });

  it("reasoning without an answer fails after the reasoning, on the same account (it already reached the client)", async () => {
    const { double, upstream } = await setup(
      { tokens: ["t1", "t2"], reply: { text: "unused", thinking: "Thinking it over." }, scenario: { kind: "empty-output" } },
      { accounts: [{ token: "t1" }, { token: "t2" }] },
    );
    const result = await run(upstream, "deepseek-reasoner");
    expect(result.reasoning).toBe("Thinking it over.");
    expect(result.end).toBeUndefined();
    expect(result.error).toMatchObject({ status: 429, code: "upstream_empty_output" });
    expect(String((result.error as Error).message)).toMatch(/reasoning but no answer text/);
    expect(double.requestsTo("chat/completion")).toHaveLength(1);
    expect(sessionsLeft(double)).toBe(0);
  });

  it("password accounts log in; a revoked token logs in again", async () => {
    const { double, upstream } = await setup({ accounts: [{ email: "a@example.com", password: "pw" }] }, { accounts: [{ email: "a@example.com", password: "pw" }] });
    expect((await run(upstream)).error).toBeUndefined();
    const token = double.requestsTo("chat_session/create")[0]?.token;
    if (token === undefined) throw new Error("no session was created with a token");
    double.revokeToken(token);
    expect((await run(upstream)).error).toBeUndefined();
    expect(double.requestsTo("users/login")).toHaveLength(2);
    expect(double.requestsTo("users/login")[0]?.body).toMatchObject({ email: "a@example.com", os: "android" });
  });

  it("muted, banned and risk-flagged accounts are set aside with their state; the request is served by another", async () => {
    const { upstream } = await setup(
      {
        accounts: [
          { email: "muted@example.com", password: "pw", status: "muted", muteUntil: 2_000_000_000 },
          { email: "banned@example.com", password: "pw", status: "banned" },
          { mobile: "13800001234", password: "pw", status: "risk-device" },
          { email: "ok@example.com", password: "pw" },
        ],
      },
      {
        accounts: [
          { email: "muted@example.com", password: "pw" },
          { email: "banned@example.com", password: "pw" },
          { mobile: "13800001234", password: "pw" },
          { email: "ok@example.com", password: "pw" },
        ],
        maxAccountAttempts: 4,
      },
    );
    // One request walks the pool (least recently used first) until the healthy account answers.
    const result = await run(upstream);
    expect(result.error).toBeUndefined();
    const health = await upstream.health();
    expect(health.accounts.map((account) => [account.account, account.status])).toEqual([
      ["m***@example.com", "muted"],
      ["b***@example.com", "banned"],
      ["***1234", "login_failed"],
      ["o***@example.com", "ok"],
    ]);
    expect(health.accounts[0]?.until).toBe(new Date(2_000_000_000_000).toISOString());
    expect(health.status).toBe("degraded");
  });

  it("version too low until headers.clientVersion is raised", async () => {
    const old = await setup({ tokens: ["t1"], minClientVersion: "2.3.0" }, { accounts: [{ token: "t1" }] });
    const refused = await run(old.upstream);
    expect(refused.error).toMatchObject({ status: 502, code: "client_version_too_low" });
    const bumped = upstreamFor(old.double.url, { accounts: [{ token: "t1" }], headers: { clientVersion: "2.5.3" } });
    expect((await run(bumped)).error).toBeUndefined();
    expect(old.double.requestsTo("chat/completion").at(-1)?.headers["user-agent"]).toBe("DeepSeek/2.5.3 Android/35");
  });

  it("the older create-session answer shape works", async () => {
    const { upstream } = await setup({ tokens: ["t1"], legacySessionShape: true, reply: "ok" }, { accounts: [{ token: "t1" }] });
    expect((await run(upstream)).text).toBe("ok");
  });

  it("never opens more streams per account than allowed, and serves everyone", async () => {
    const { double, upstream } = await setup(
      { tokens: ["t1", "t2"], reply: "fine", maxConcurrentStreams: 2, frameDelayMs: 10 },
      { accounts: [{ token: "t1" }, { token: "t2" }], maxStreamsPerAccount: 2 },
    );
    // The double counts a stream until it has written its last frame; sampling it shows what the server would see.
    let maxPerToken = 0;
    const sampler = setInterval(() => {
      for (const open of double.state.leases.values()) maxPerToken = Math.max(maxPerToken, open);
    }, 2);
    const release = double.holdStreams();
    // Like the engine, abort the request's signal as soon as the end arrives: the finished stream's tail (title,
    // close) must still be read before the account is handed to the next request.
    const runs = Array.from({ length: 7 }, async () => {
      const controller = new AbortController();
      const events: UpstreamEvent[] = [];
      for await (const event of upstream.stream(request("deepseek-chat"), controller.signal)) {
        events.push(event);
        if (event.type === "end") controller.abort();
      }
      return { text: events.flatMap((event) => (event.type === "text" ? [event.text] : [])).join("") };
    });
    // Wait until the four slots are streaming and the rest wait in the pool.
    for (let i = 0; i < 200 && [...double.state.leases.values()].reduce((a, b) => a + b, 0) < 4; i++) await new Promise((r) => setTimeout(r, 10));
    const health = await upstream.health();
    expect(health.inFlight).toBe(4);
    expect(health.waiting).toBe(3);
    expect([...double.state.leases.values()]).toEqual([2, 2]);
    release();
    const results = await Promise.all(runs);
    clearInterval(sampler);
    expect(results.every((result) => result.text === "fine")).toBe(true);
    expect(maxPerToken).toBe(2);
    expect(double.requestsTo("chat/completion")).toHaveLength(7);
    expect(double.requestsTo("chat/completion").every((entry) => entry.outcome === "completed")).toBe(true);
    expect((await upstream.health()).inFlight).toBe(0);
    expect(sessionsLeft(double)).toBe(0);
  });

  it("close ends the streams in flight (stopped, sessions deleted, accounts free), refuses waiting and later requests, and stops the solver", async () => {
    const held = await startDeepSeekDouble({ powDifficulty: 300, tokens: ["t1", "t2"], reply: "An answer that is held mid-stream." });
    double = held;
    const solver = new PowSolver();
    const upstream = upstreamFor(double.url, { accounts: [{ token: "t1" }, { token: "t2" }], maxStreamsPerAccount: 1 }, { powSolver: solver });
    double.holdStreams();
    // Both streams deliver their first token and are then held. One consumer keeps pulling (it waits inside the
    // stream), the other stopped pulling (its own cleanup would never run), and a third request waits for an account.
    const start = () => upstream.stream(request("deepseek-chat"), new AbortController().signal)[Symbol.asyncIterator]();
    const [pulling, paused] = [start(), start()];
    for (const iterator of [pulling, paused]) expect((await iterator.next()).value).toMatchObject({ type: "text" });
    const pulled = pulling.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    const waiting = run(upstream);
    await until(async () => (await upstream.health()).waiting === 1, "the third request to wait");
    expect(solver.running).toBe(true);

    await upstream.close();

    const closed = { status: 503, code: "provider_closed", retryable: true };
    expect(await pulled).toMatchObject(closed);
    expect((await waiting).error).toMatchObject(closed);
    await expect(paused.next()).rejects.toMatchObject(closed);
    // Both answers were stopped on the server and both sessions deleted before close() returned.
    expect(double.requestsTo("chat/stop_stream").map((entry) => (entry.body as { message_id: number }).message_id)).toEqual([2, 2]);
    expect(sessionsLeft(double)).toBe(0);
    expect(await upstream.health()).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(solver.running).toBe(false);
    await until(() => openStreams(held) === 0, "the double to see both streams closed");
    expect(double.requestsTo("chat/completion").map((entry) => entry.outcome)).toEqual(["aborted", "aborted"]);

    const requestsBefore = double.state.requests.length;
    expect((await run(upstream)).error).toMatchObject(closed);
    expect(double.state.requests).toHaveLength(requestsBefore);
    await upstream.close();
  });
});
