import { BatchSource, readBatches, ToolshimError, type Upstream, type UpstreamEvent } from "@toolshim/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InFlightCalls, shuttingDownError } from "./in-flight-calls.js";
import { newCallRecord, type UpstreamCallRecord } from "./upstream-call.js";
import type { UpstreamTimeouts } from "./upstream-timeouts.js";
import { watchUpstream } from "./watch-upstream.js";

/** A provider stream that hands over the given batches, then waits (silent) until its signal aborts. */
class Scripted extends BatchSource<UpstreamEvent> {
  constructor(
    private readonly batches: (UpstreamEvent[] | Error)[],
    private readonly signal: AbortSignal,
  ) {
    super();
  }
  protected pull(): Promise<UpstreamEvent[] | undefined> {
    const batch = this.batches.shift();
    if (batch instanceof Error) return Promise.reject(batch);
    if (batch) return Promise.resolve(batch);
    return new Promise((_, reject) => this.signal.addEventListener("abort", () => reject(this.signal.reason), { once: true }));
  }
  protected close(): void {}
}

const limits = (overrides: Partial<UpstreamTimeouts> = {}): UpstreamTimeouts => ({ firstByteMs: 5000, idleMs: 5000, totalMs: 0, ...overrides });

function watched(batches: (UpstreamEvent[] | Error)[], timeouts = limits(), extra: { inFlight?: InFlightCalls; redact?: (t: string) => string } = {}) {
  const record: UpstreamCallRecord = newCallRecord();
  const upstream: Upstream = {
    name: "scripted",
    listModels: async () => [],
    stream: (_request, signal) => new Scripted(batches, signal),
  };
  const watch = watchUpstream(upstream, { name: "scripted", timeouts, record, elapsed: () => 12, ...extra });
  const stream = watch.stream({ model: "m", messages: [], options: {} }, new AbortController().signal);
  return { batches: readBatches(stream), record };
}

/** What the server's fetch does when the provider reads `count` bytes (see instrumentFetch). */
function bytesArrive(record: UpstreamCallRecord, count: number) {
  record.bytes += count;
  record.lastByteAt = performance.now();
}

const text = (t: string): UpstreamEvent => ({ type: "text", text: t });

describe("watchUpstream", () => {
  it("passes the provider's batches through whole and counts their events", async () => {
    const { batches, record } = watched([[text("a"), text("b"), text("c")], [{ type: "end", reason: "stop" }]]);
    expect(await batches.next()).toEqual([text("a"), text("b"), text("c")]);
    expect(await batches.next()).toEqual([{ type: "end", reason: "stop" }]);
    expect(record).toMatchObject({ attempts: 1, events: 4, firstEventMs: 12 });
  });

  it("scrubs configured secrets from the provider's errors, keeping status and code", async () => {
    const failure = new ToolshimError("upstream said: bad key ab1", { status: 502, code: "upstream_auth_failed" });
    const { batches } = watched([failure], limits(), { redact: (t) => t.replace("ab1", "[redacted]") });
    await expect(batches.next()).rejects.toMatchObject({ status: 502, code: "upstream_auth_failed", message: "upstream said: bad key [redacted]" });
  });
});

describe("watchUpstream limits, measured in bytes received", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("no first byte: a 504 that says so and names the key to raise", async () => {
    const { batches } = watched([], limits({ firstByteMs: 3000 }));
    const next = batches.next();
    const failed = expect(next).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
    await vi.advanceTimersByTimeAsync(3000);
    await failed;
    const error = (await next.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain('The upstream "scripted" sent no first byte within 3000 ms');
    expect(error.message).toContain("providers.scripted.timeouts.firstByteMs");
  });

  it("an upstream dripping one byte a second is not idle, and the total limit bounds it", async () => {
    const { batches, record } = watched([], limits({ idleMs: 2000, totalMs: 60_000 }));
    const next = batches.next();
    let settled: unknown;
    next.then(
      (value) => (settled = value),
      (error: unknown) => (settled = error),
    );
    for (let second = 0; second < 59; second++) {
      bytesArrive(record, 1);
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(settled).toBeUndefined();
    bytesArrive(record, 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(settled).toMatchObject({ status: 504, code: "upstream_timeout" });
    expect((settled as Error).message).toContain("was still answering after 60000 ms (60 bytes received)");
    expect((settled as Error).message).toContain("providers.scripted.timeouts.totalMs");
  });

  it("idle after some bytes: says how long and how many bytes had come", async () => {
    const { batches, record } = watched([[text("a")]], limits({ idleMs: 2000 }));
    bytesArrive(record, 17);
    expect(await batches.next()).toEqual([text("a")]);
    const next = batches.next();
    const failed = expect(next).rejects.toThrow('The upstream "scripted" sent no bytes for 2000 ms after 17 bytes');
    await vi.advanceTimersByTimeAsync(2000);
    await failed;
  });

  it("a consumer that does not ask for more is not upstream silence", async () => {
    const { batches, record } = watched([[text("a")], [text("b")]], limits({ idleMs: 2000 }));
    bytesArrive(record, 3);
    expect(await batches.next()).toEqual([text("a")]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await batches.next()).toEqual([text("b")]);
  });

  it("a shutdown ends the read in progress with server_shutting_down, and calls started later at once", async () => {
    const inFlight = new InFlightCalls();
    const { batches, record } = watched([[text("a")]], limits(), { inFlight });
    expect(await batches.next()).toEqual([text("a")]);
    expect(inFlight.size).toBe(1);
    const next = batches.next();
    expect(inFlight.endAll(shuttingDownError())).toBe(1);
    await expect(next).rejects.toMatchObject({ status: 503, code: "server_shutting_down" });
    expect(record.shutdown).toBe(true);
    const later = watched([[text("x")]], limits(), { inFlight });
    await expect(later.batches.next()).rejects.toMatchObject({ code: "server_shutting_down" });
  });
});
