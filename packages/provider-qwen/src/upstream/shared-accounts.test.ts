import type { UpstreamError, UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { type Clock, createMemoryState, type ProviderState } from "@toolshim/core/provider-utils";
import { afterEach, describe, expect, it } from "vitest";
import { type QwenDouble, type QwenDoubleOptions, startQwenDouble } from "../double/index.js";
import { settingsSchema } from "../settings.js";
import { createQwenUpstream, type QwenUpstreamOptions } from "./create-qwen-upstream.js";

// Several upstreams on one memory state stand for several gateway instances on one Redis: account stream slots and
// rests recorded by one hold for the others. (packages/server's multi-instance e2e tests do the same on a real Redis.)

const ask: UpstreamRequest = { model: "qwen3.7-plus", messages: [{ role: "user", content: "Say hi." }], options: {} };

let double: QwenDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function instances(count: number, doubleOptions: QwenDoubleOptions, settings: Record<string, unknown>, options: QwenUpstreamOptions[]) {
  double = await startQwenDouble(doubleOptions);
  const parsed = settingsSchema.parse({ baseURL: double.url, models: ["qwen3.7-plus"], ...settings });
  return { double, upstreams: Array.from({ length: count }, (_, i) => createQwenUpstream(parsed, options[i] ?? options[0])) };
}

async function collect(upstream: ReturnType<typeof createQwenUpstream>, signal = new AbortController().signal): Promise<{ text: string; error?: UpstreamError }> {
  let text = "";
  try {
    for await (const event of upstream.stream(ask, signal) as AsyncIterable<UpstreamEvent>) if (event.type === "text") text += event.text;
    return { text };
  } catch (error) {
    return { text, error: error as UpstreamError };
  }
}

const completions = (d: QwenDouble) => d.requestsTo("/chat/completions").filter((request) => !request.path.endsWith("/stop"));

/** Time that moves only when told; `advance` fires the timers that fall due and lets their promises settle. */
function manualClock(start: number): Clock & { advance(ms: number): Promise<void> } {
  let now = start;
  let next = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      timers.set(++next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    async advance(ms) {
      now += ms;
      for (const [handle, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
        if (timer.at > now || !timers.delete(handle)) continue;
        timer.callback();
      }
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe("qwen accounts shared by several instances", () => {
  it("three instances over two accounts limited to one stream each never put two streams on one account", async () => {
    const state = createMemoryState();
    // The double would serve ten streams per account: it only counts them, so an overlap shows in peakStreams.
    const { double, upstreams } = await instances(
      3,
      { tokens: ["a", "b"], maxConcurrentStreams: 10, frameDelayMs: 3 },
      { accounts: [{ name: "one", token: "a" }, { name: "two", token: "b" }], maxStreamsPerAccount: 1 },
      [{ state }],
    );
    double.setReply({ keepAlivesFirst: 2, answer: ["one ", "two ", "three"] });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => collect(upstreams[i % 3] as ReturnType<typeof createQwenUpstream>)));
    expect(results).toEqual(Array(12).fill({ text: "one two three" }));
    expect(double.peakStreams()).toEqual({ a: 1, b: 1 });
    expect(completions(double)).toHaveLength(12);
  });

  it("without a shared state each instance counts only its own streams (what the shared slots prevent)", async () => {
    const { double, upstreams } = await instances(3, { tokens: ["a"], maxConcurrentStreams: 10 }, { accounts: [{ token: "a" }], maxStreamsPerAccount: 1 }, [{}]);
    double.setReply({ answer: ["held"], end: "stall" });
    const controllers = upstreams.map(() => new AbortController());
    const iterators = upstreams.map((upstream, i) => upstream.stream(ask, (controllers[i] as AbortController).signal)[Symbol.asyncIterator]());
    expect(await Promise.all(iterators.map((iterator) => iterator.next()))).toEqual(Array(3).fill({ done: false, value: { type: "text", text: "held" } }));
    expect(double.peakStreams()).toEqual({ a: 3 });
    for (const controller of controllers) controller.abort();
    await Promise.all(iterators.map((iterator) => iterator.next().catch(() => undefined)));
  });

  it("a rest recorded by one instance is honoured by the others, and by an instance started later", async () => {
    const state: ProviderState = createMemoryState();
    const { double, upstreams } = await instances(2, { tokens: ["a"] }, { accounts: [{ name: "solo", token: "a" }] }, [{ state }]);
    const [first, second] = upstreams as [ReturnType<typeof createQwenUpstream>, ReturnType<typeof createQwenUpstream>];
    double.failNext({ kind: "stream-error", code: "Too_Many_Requests", details: "slow down" });
    expect((await collect(first)).error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(completions(double)).toHaveLength(1);

    // The second instance never asks Qwen Chat: it learns of the rest from the state and answers 429 with its end.
    const { error } = await collect(second);
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(error?.message).toContain("cooling down");
    expect(error?.retryAfter).toBeGreaterThan(500);
    expect(completions(double)).toHaveLength(1);
    expect((await second.health()).accounts).toEqual([expect.objectContaining({ account: "solo", status: "rate_limited" })]);

    const later = createQwenUpstream(settingsSchema.parse({ baseURL: double.url, models: ["qwen3.7-plus"], accounts: [{ name: "solo", token: "a" }] }), { state });
    expect((await collect(later)).error).toMatchObject({ status: 429, code: "rate_limited" });
    expect((await later.health()).accounts).toEqual([expect.objectContaining({ account: "solo", status: "rate_limited" })]);
    expect(completions(double)).toHaveLength(1);
  });

  it("a slot whose instance stops renewing it (died) frees within the lease TTL, not before", async () => {
    const clock = manualClock(Date.now());
    const state = createMemoryState(() => clock.now());
    // The dead instance's timers never run, as for a process killed mid-stream: its slot is never renewed.
    const dead: Clock = { now: () => clock.now(), setTimeout: () => 0, clearTimeout: () => {} };
    const settings = { accounts: [{ name: "solo", token: "a" }], maxStreamsPerAccount: 1, leaseTtlMs: 1_500, queueTimeoutMs: 60_000 };
    const { double, upstreams } = await instances(2, { tokens: ["a"] }, settings, [{ state, clock: dead }, { state, clock }]);
    const [victim, survivor] = upstreams as [ReturnType<typeof createQwenUpstream>, ReturnType<typeof createQwenUpstream>];
    double.setReply({ answer: ["held"], end: "stall" });
    const held = new AbortController();
    const iterator = victim.stream(ask, held.signal)[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual({ type: "text", text: "held" });

    double.setReply({ answer: ["after"] });
    let settled = false;
    const waiting = collect(survivor).finally(() => void (settled = true));
    for (let elapsed = 0; elapsed < 1_400; elapsed += 100) await clock.advance(100);
    expect(settled).toBe(false);
    expect(double.requestsTo("/chats/new")).toHaveLength(1);

    for (let elapsed = 0; elapsed < 400; elapsed += 100) await clock.advance(100);
    expect(await waiting).toEqual({ text: "after" });
    expect(double.requestsTo("/chats/new")).toHaveLength(2);
    held.abort();
    await iterator.next().catch(() => undefined);
  });

  it("leaseTtlMs has DeepSeek's name and default", () => {
    expect(settingsSchema.parse({ accounts: [{ token: "t" }] }).leaseTtlMs).toBe(15_000);
    expect(settingsSchema.parse({ accounts: [{ token: "t" }], leaseTtlMs: "2000" }).leaseTtlMs).toBe(2_000);
    expect(settingsSchema.safeParse({ accounts: [{ token: "t" }], leaseTtlMs: 0 }).success).toBe(false);
  });
});
