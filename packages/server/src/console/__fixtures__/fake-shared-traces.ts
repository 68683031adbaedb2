import type { SharedSummary, SharedTraces } from "../shared-traces.js";

/** Another instance's store, in memory; `down` makes every call fail as a lost Redis would. */
export function fakeShared(): SharedTraces & { down: boolean; traces: Map<string, { summary: SharedSummary; json: string }> } {
  const traces = new Map<string, { summary: SharedSummary; json: string }>();
  const shared: SharedTraces & { down: boolean; traces: typeof traces } = {
    down: false,
    traces,
    async put(summary, json) {
      if (shared.down) throw new Error("connection lost");
      traces.set(summary.id, { summary, json });
    },
    async list(limit) {
      if (shared.down) throw new Error("connection lost");
      return [...traces.values()].map((t) => t.summary).sort((a, b) => b.at - a.at).slice(0, limit);
    },
    async get(id) {
      if (shared.down) throw new Error("connection lost");
      return traces.get(id)?.json;
    },
  };
  return shared;
}

