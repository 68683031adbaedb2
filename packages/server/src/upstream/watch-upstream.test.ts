import { BatchSource, readBatches, type Upstream, type UpstreamEvent } from "@toolshim/core";
import { describe, expect, it } from "vitest";
import type { UpstreamCallRecord } from "./upstream-call.js";
import { watchUpstream } from "./watch-upstream.js";

/** A provider stream that hands over the given batches, then waits (silent) until its signal aborts. */
class Scripted extends BatchSource<UpstreamEvent> {
  constructor(
    private readonly batches: UpstreamEvent[][],
    private readonly signal: AbortSignal,
  ) {
    super();
  }
  protected pull(): Promise<UpstreamEvent[] | undefined> {
    const batch = this.batches.shift();
    if (batch) return Promise.resolve(batch);
    return new Promise((_, reject) => this.signal.addEventListener("abort", () => reject(this.signal.reason), { once: true }));
  }
  protected close(): void {}
}

function watched(batches: UpstreamEvent[][], idleTimeoutMs = 5000) {
  const record: UpstreamCallRecord = { attempts: 0, httpRequests: 0, events: 0 };
  const upstream: Upstream = {
    name: "scripted",
    listModels: async () => [],
    stream: (_request, signal) => new Scripted(batches, signal),
  };
  const watch = watchUpstream(upstream, { name: "scripted", idleTimeoutMs, record, elapsed: () => 12 });
  const stream = watch.stream({ model: "m", messages: [], options: {} }, new AbortController().signal);
  return { batches: readBatches(stream), record };
}

const text = (t: string): UpstreamEvent => ({ type: "text", text: t });

describe("watchUpstream", () => {
  it("passes the provider's batches through whole and counts their events", async () => {
    const { batches, record } = watched([[text("a"), text("b"), text("c")], [{ type: "end", reason: "stop" }]]);
    expect(await batches.next()).toEqual([text("a"), text("b"), text("c")]);
    expect(await batches.next()).toEqual([{ type: "end", reason: "stop" }]);
    expect(record).toMatchObject({ attempts: 1, events: 4, firstEventMs: 12 });
  });

  it("gives up with a 504 when the provider stays silent, after what it did send", async () => {
    const { batches } = watched([[text("a")]], 40);
    expect(await batches.next()).toEqual([text("a")]);
    await expect(batches.next()).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
  });
});
