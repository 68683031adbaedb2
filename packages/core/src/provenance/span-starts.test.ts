import { describe, expect, it } from "vitest";
import { SpanStarts } from "./span-starts.js";

describe("SpanStarts.for", () => {
  it("shares one instance per tool-name set, built like a fresh one", () => {
    const names = ["get_weather", "Read"];
    const shared = SpanStarts.for(names);
    expect(SpanStarts.for([...names])).toBe(shared);
    const fresh = new SpanStarts(names);
    const text = 'plain words get_weather then <tool_call>{"name": "Read"} and ReadableStream';
    for (let i = 0; i < text.length; i++) expect(shared.startsAt(text, i)).toBe(fresh.startsAt(text, i));
  });

  it("keeps tool-name sets apart, even ones that would join to the same text", () => {
    const joined = SpanStarts.for(["a\u0000b"]);
    const split = SpanStarts.for(["a", "b"]);
    expect(joined).not.toBe(split);
    expect(split.startsAt("b(", 0)).toBe(new SpanStarts(["a", "b"]).startsAt("b(", 0));
    expect(SpanStarts.for(undefined)).not.toBe(SpanStarts.for([]));
    expect(SpanStarts.for(undefined).startsAt("anything", 3)).toBe(true);
  });

  it("is not changed by the caller changing its array afterwards", () => {
    const names = ["lookup_order"];
    const starts = SpanStarts.for(names);
    names.push("other_tool");
    expect(starts.firstIn("call other_tool now")).toBe(new SpanStarts(["lookup_order"]).firstIn("call other_tool now"));
  });

  it("stays bounded: an old set is rebuilt after many others, not kept forever", () => {
    const first = SpanStarts.for(["evicted_tool"]);
    for (let i = 0; i < 100; i++) SpanStarts.for([`tool_${i}`]);
    const again = SpanStarts.for(["evicted_tool"]);
    expect(again).not.toBe(first);
    expect(SpanStarts.for(["evicted_tool"])).toBe(again);
  });
});
