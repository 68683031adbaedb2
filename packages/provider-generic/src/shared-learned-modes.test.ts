import { createMemoryState } from "@toolshim/core/provider-utils";
import { describe, expect, it, vi } from "vitest";
import { createGenericUpstream } from "./create-generic-upstream.js";

// Two "gateway instances": two upstreams over one state, as the server gives them with state.kind redis.
const options = { baseURL: "http://127.0.0.1:9/v1", tools: "auto" as const, models: [{ id: "auto-model" }, { id: "native-model", tools: "native" as const }] };

describe("auto mode learned by one instance", () => {
  it("is known to an instance started later, and reaches a running one with its next request for the model", async () => {
    const state = createMemoryState();
    const running = createGenericUpstream({ ...options, state });
    const learner = createGenericUpstream({ ...options, state });
    learner.noteToolsIgnored("auto-model");
    learner.noteToolsIgnored("native-model");

    const started = createGenericUpstream({ ...options, state });
    await vi.waitFor(() => expect(started.toolMode("auto-model")).toBe("emulate"));
    expect(started.learnedEmulation().get("auto-model")).toContain("learned by another gateway instance");
    expect(started.toolMode("native-model")).toBe("native");

    expect(running.toolMode("auto-model")).toBe("native");
    // Creating the stream is enough to look the model up; nothing is sent upstream until it is read.
    running.stream({ model: "auto-model", messages: [{ role: "user", content: "hi" }], options: {} }, new AbortController().signal);
    await vi.waitFor(() => expect(running.toolMode("auto-model")).toBe("emulate"));
  });

  it("stays per instance without shared state", () => {
    const learner = createGenericUpstream(options);
    learner.noteToolsIgnored("auto-model");
    expect(createGenericUpstream(options).toolMode("auto-model")).toBe("native");
  });
});
