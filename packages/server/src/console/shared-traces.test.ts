import { afterEach, describe, expect, it, vi } from "vitest";
import { createRedactor } from "../logging/redact-secrets.js";
import type { TraceSummary } from "./request-trace.js";
import { fakeShared } from "./__fixtures__/fake-shared-traces.js";
import { fitTrace, openConsoleTraces, type SharedSummary } from "./shared-traces.js";
import { TraceStore } from "./trace-store.js";

const SECRET = "sk-provider-secret-0123456789";
const redact = createRedactor([SECRET]);
const CONSOLE = { enabled: true, adminKey: "admin-key-0123456789", maxTraces: 10, maxTraceBytes: 64_000 };
const silent = { warn: () => {} };

const remote = (id: string, at: number): SharedSummary => ({ id, at, api: "chat", stream: false, calls: 1, repairs: 0, notACalls: 0, done: true, instance: "other:2" });

function finishedTrace(store: TraceStore, body = "{}") {
  const trace = store.begin("chat", false);
  trace.setRequest(new Headers({ authorization: `Bearer ${SECRET}`, "content-type": "application/json" }), body);
  trace.appendResponse('{"ok":true}');
  trace.finish();
  return trace;
}

afterEach(() => vi.useRealTimers());

describe("console traces shared between instances", () => {
  it("shares each finished trace once, redacted, naming this instance", async () => {
    const shared = fakeShared();
    const { store } = openConsoleTraces(CONSOLE, redact, { store: shared, address: "redis://r:6379" }, silent);
    const trace = finishedTrace(store, JSON.stringify({ messages: [{ role: "user", content: `my key is ${SECRET}` }] }));
    trace.finish();
    await vi.waitFor(() => expect(shared.traces.size).toBe(1));
    const [stored] = [...shared.traces.values()];
    expect(stored?.summary).toMatchObject({ id: trace.summary.id, done: true, instance: expect.stringMatching(/:\d+$/) });
    expect(stored?.json).not.toContain(SECRET);
    expect(stored?.json).toContain("[redacted]");
    expect(JSON.parse(stored?.json ?? "{}")).toMatchObject({ request: { headers: { authorization: "[masked]" } }, response: { body: '{"ok":true}' } });
  });

  it("writes nothing without a shared store (one instance, or the console off)", () => {
    const { store, directory } = openConsoleTraces(CONSOLE, redact, undefined, silent);
    expect(directory).toBeUndefined();
    finishedTrace(store);
    expect(store.summaries()).toHaveLength(1);
  });

  it("lists its own and other instances' traces newest first, and opens either by id", async () => {
    const shared = fakeShared();
    const { store, directory } = openConsoleTraces(CONSOLE, redact, { store: shared, address: "redis://r:6379" }, silent);
    const mine = finishedTrace(store);
    await shared.put(remote("tr_other", mine.summary.at + 5), '{"summary":{"id":"tr_other"}}');
    await shared.put(remote("tr_older", mine.summary.at - 5), "{}");
    await vi.waitFor(() => expect(shared.traces.size).toBe(3));
    const listed = await directory?.summaries(10);
    expect(listed?.map((s) => s.id)).toEqual(["tr_other", mine.summary.id, "tr_older"]);
    expect(await directory?.get("tr_other")).toBe('{"summary":{"id":"tr_other"}}');
    expect(JSON.parse((await directory?.get(mine.summary.id)) ?? "{}")).toMatchObject({ summary: { id: mine.summary.id } });
    expect(directory?.status).toEqual({ status: "ok" });
  });

  it("shows the local traces and says the shared view is unavailable while the store is down, then recovers", async () => {
    const shared = fakeShared();
    const warn = vi.fn();
    const { store, directory } = openConsoleTraces(CONSOLE, redact, { store: shared, address: "redis://r:6379" }, { warn });
    await shared.put(remote("tr_other", Date.now()), "{}");
    shared.down = true;
    const mine = finishedTrace(store);
    finishedTrace(store);
    await vi.waitFor(() => expect(directory?.status.status).toBe("unavailable"));
    expect(directory?.status).toMatchObject({ message: expect.stringContaining("Redis at redis://r:6379") });
    expect((await directory?.summaries(10))?.map((s) => s.id)).toContain(mine.summary.id);
    expect(await directory?.get("tr_other")).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    shared.down = false;
    expect((await directory?.summaries(10))?.map((s) => s.id)).toContain("tr_other");
    expect(directory?.status).toEqual({ status: "ok" });
  });

  it("announces other instances' traces to the live list by polling only while someone listens", async () => {
    vi.useFakeTimers();
    const shared = fakeShared();
    const list = vi.spyOn(shared, "list");
    const { directory } = openConsoleTraces(CONSOLE, redact, { store: shared, address: "redis://r:6379" }, silent);
    const heard: TraceSummary[] = [];
    const stop = directory?.subscribe((summary) => heard.push(summary), () => {});
    await shared.put(remote("tr_a", 1), "{}");
    await vi.advanceTimersByTimeAsync(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(heard.map((s) => s.id)).toEqual(["tr_a"]);
    stop?.();
    const calls = list.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(list.mock.calls.length).toBe(calls);
  });

  it("fits a large trace into the shared budget: entries dropped first, then the bodies cut", () => {
    const store = new TraceStore(10, 1_000_000);
    const trace = store.begin("chat", false);
    trace.setRequest(new Headers(), `${"a".repeat(3_000)}${SECRET}`);
    for (let i = 0; i < 50; i++) trace.record({ kind: "held", attempt: 0, reason: "marker-prefix", text: "h".repeat(100) });
    trace.appendResponse("r".repeat(3_000));
    const whole = fitTrace(trace, redact, 1_000_000);
    expect(JSON.parse(whole).entries).toHaveLength(50);
    const lean = JSON.parse(fitTrace(trace, redact, 8_000));
    expect(lean).toMatchObject({ entries: [], truncated: true, entriesDropped: 50 });
    const cut = fitTrace(trace, redact, 2_000);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(2_000);
    expect(JSON.parse(cut)).toMatchObject({ request: { truncated: true }, response: { truncated: true } });
    expect(cut).not.toContain(SECRET.slice(0, 8));
  });
});
