import { describe, expect, it } from "vitest";
import { createMemoryState, scopedState } from "./provider-state.js";

describe("createMemoryState", () => {
  it("stores, expires, counts and deletes", async () => {
    let now = 1_000;
    const state = createMemoryState(() => now);
    await state.set("a", { lease: 1 }, { ttlMs: 50 });
    expect(await state.get("a")).toEqual({ lease: 1 });
    now += 50;
    expect(await state.get("a")).toBeUndefined();
    expect(await state.increment("n", 2, { ttlMs: 100 })).toBe(2);
    expect(await state.increment("n")).toBe(3);
    now += 100;
    expect(await state.increment("n")).toBe(1);
    await state.delete("n");
    expect(await state.get("n")).toBeUndefined();
  });

  it("keeps scoped views apart", async () => {
    const state = createMemoryState();
    await scopedState(state, "one").set("k", 1);
    await scopedState(state, "two").set("k", 2);
    expect(await scopedState(state, "one").get("k")).toBe(1);
    expect(await state.get("two:k")).toBe(2);
  });
});
