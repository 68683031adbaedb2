import { describe, expect, it, vi } from "vitest";
import { type NamedEvent, toNamedEventStream } from "./named-event-stream.js";

async function read(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

describe("toNamedEventStream", () => {
  it("frames each event with its name and ends without [DONE]", async () => {
    async function* events(): AsyncGenerator<NamedEvent> {
      yield { event: "message_start", data: { type: "message_start" } };
      yield { event: "message_stop", data: { type: "message_stop" } };
    }
    expect(await read(toNamedEventStream(events()))).toBe(
      'event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
  });

  it("sends the keep-alive while the source is quiet", async () => {
    async function* events(): AsyncGenerator<NamedEvent> {
      yield { event: "a", data: 1 };
      await new Promise((resolve) => setTimeout(resolve, 60));
      yield { event: "b", data: 2 };
    }
    vi.useFakeTimers();
    const reading = read(toNamedEventStream(events(), { keepAliveMs: 20, keepAlive: 'event: ping\ndata: {"type":"ping"}\n\n' }));
    await vi.advanceTimersByTimeAsync(60).finally(() => vi.useRealTimers());
    const text = await reading;
    expect(text.startsWith("event: a\ndata: 1\n\n")).toBe(true);
    expect(text.endsWith("event: b\ndata: 2\n\n")).toBe(true);
    expect(text.match(/event: ping/g)?.length).toBeGreaterThanOrEqual(1);
  });

  it("returns the source when the reader cancels", async () => {
    let returned = false;
    async function* events(): AsyncGenerator<NamedEvent> {
      try {
        for (let i = 0; ; i++) yield { event: "n", data: i };
      } finally {
        returned = true;
      }
    }
    const reader = toNamedEventStream(events()).getReader();
    await reader.read();
    await reader.cancel();
    expect(returned).toBe(true);
  });
});
