import { describe, expect, it } from "vitest";
import { TraceStore } from "./trace-store.js";

describe("TraceStore", () => {
  it("keeps at most maxTraces, dropping the oldest", () => {
    const store = new TraceStore(2, 1_000_000);
    const first = store.begin("chat", false);
    store.begin("chat", false);
    store.begin("chat", true);
    expect(store.get(first.summary.id)).toBeUndefined();
    expect(store.summaries().map((s) => s.stream)).toEqual([true, false]);
  });

  it("keeps at most maxBytes of captured text, and caps one trace at a quarter of it", () => {
    const store = new TraceStore(100, 8_000);
    const big = store.begin("chat", true);
    big.appendResponse("x".repeat(5_000));
    expect(big.response.truncated).toBe(true);
    expect(big.size).toBe(2_000);
    for (let i = 0; i < 4; i++) store.begin("chat", true).appendResponse("y".repeat(1_900));
    store.begin("chat", false).finish();
    expect(store.size()).toBeLessThanOrEqual(8_000);
    expect(store.get(big.summary.id)).toBeUndefined();
  });

  it("tells listeners of new traces and of changes, and masks credentials in captured headers", () => {
    const store = new TraceStore(10, 100_000);
    const seen: string[] = [];
    const stop = store.subscribe((summary) => seen.push(`${summary.id}:${summary.done}`));
    const trace = store.begin("chat", false);
    trace.setRequest(new Headers({ authorization: "Bearer sk-secret", "content-type": "application/json", cookie: "a=b" }), "{}");
    trace.record({ kind: "done", finishReason: "tool_calls", toolCalls: 2, answeredAsText: false });
    trace.finish();
    stop();
    store.begin("chat", false);
    expect(seen).toEqual([`${trace.summary.id}:false`, `${trace.summary.id}:false`, `${trace.summary.id}:true`]);
    expect(trace.request.headers).toEqual({ authorization: "[masked]", "content-type": "application/json", cookie: "[masked]" });
    expect(trace.summary).toMatchObject({ calls: 2, finishReason: "tool_calls", done: true });
  });
});
