import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { BatchSource } from "./batch-iterator.js";
import { toServerSentEvents } from "./to-server-sent-events.js";

/** Hands out the given batches, one per pull. */
class Batches extends BatchSource<unknown> {
  constructor(private readonly batches: unknown[][]) {
    super();
  }
  protected async pull(): Promise<unknown[] | undefined> {
    return this.batches.shift();
  }
  protected close(): void {}
}

async function pieces(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  const decoder = new TextDecoder();
  for await (const bytes of stream) out.push(decoder.decode(bytes));
  return out;
}

async function read(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("toServerSentEvents", () => {
  it("frames each chunk as one data line and ends with [DONE]", async () => {
    async function* chunks() {
      yield { a: 1 };
      yield { b: "two\nlines" };
    }
    expect(await read(toServerSentEvents(chunks()))).toBe('data: {"a":1}\n\ndata: {"b":"two\\nlines"}\n\ndata: [DONE]\n\n');
  });

  it("can leave out [DONE]", async () => {
    async function* chunks() {
      yield 1;
    }
    expect(await read(toServerSentEvents(chunks(), { done: false }))).toBe("data: 1\n\n");
  });

  it("turns an error thrown mid-stream into an OpenAI error event and closes", async () => {
    async function* chunks() {
      yield { a: 1 };
      throw new InvalidRequestError("bad thing", "messages");
    }
    expect(await read(toServerSentEvents(chunks()))).toBe(
      'data: {"a":1}\n\ndata: {"error":{"message":"bad thing","type":"invalid_request_error","param":"messages","code":"invalid_value"}}\n\n',
    );
  });

  it("hides the details of unexpected errors", async () => {
    async function* chunks(): AsyncGenerator<never> {
      throw new TypeError("secret internals");
    }
    const text = await read(toServerSentEvents(chunks()));
    expect(text).toContain('"type":"server_error"');
    expect(text).not.toContain("secret");
  });

  it("sends comment keep-alives while the source is silent", async () => {
    async function* chunks() {
      await new Promise((resolve) => setTimeout(resolve, 60));
      yield { late: true };
    }
    // A fake clock: the keep-alives come from the 15 ms timer, not from how busy the machine is.
    vi.useFakeTimers();
    try {
      const reading = read(toServerSentEvents(chunks(), { keepAliveMs: 15 }));
      await vi.advanceTimersByTimeAsync(60);
      const text = await reading;
      expect(text).toMatch(/^(: keep-alive\n\n){3,4}data: \{"late":true\}\n\ndata: \[DONE\]\n\n$/);
    } finally {
      vi.useRealTimers();
    }
  });

  it("returns the source when the reader cancels", async () => {
    let returned = false;
    let produced = 0;
    async function* chunks() {
      try {
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          yield ++produced;
        }
      } finally {
        returned = true;
      }
    }
    const reader = toServerSentEvents(chunks(), { keepAliveMs: 0 }).getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(() => returned, { timeout: 5000 }).toBe(true);
    const settled = produced;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(produced).toBe(settled);
  });

  it("sends the chunks of one batch as one piece", async () => {
    const stream = toServerSentEvents(new Batches([[{ a: 1 }, { b: 2 }, { c: 3 }], [{ d: 4 }]]), { keepAliveMs: 0 });
    expect(await pieces(stream)).toEqual(['data: {"a":1}\n\ndata: {"b":2}\n\ndata: {"c":3}\n\n', 'data: {"d":4}\n\n', "data: [DONE]\n\n"]);
  });

  it("sends the items of a batch before the error that followed them", async () => {
    class Failing extends BatchSource<unknown> {
      protected async pull(): Promise<unknown[]> {
        this.failAfterThisBatch(new InvalidRequestError("late", "messages"));
        return [1, 2];
      }
      protected close(): void {}
    }
    const text = await read(toServerSentEvents(new Failing(), { keepAliveMs: 0 }));
    expect(text).toMatch(/^data: 1\n\ndata: 2\n\ndata: \{"error":\{"message":"late"/);
  });

  describe("keep-alives (fake clock)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** A source that yields `{ at }` at each given time (ms on the fake clock), then ends. */
    function timed(times: number[]) {
      return (async function* () {
        let now = 0;
        for (const at of times) {
          await new Promise((resolve) => setTimeout(resolve, at - now));
          now = at;
          yield { at };
        }
      })();
    }

    async function run(times: number[], keepAliveMs: number, untilMs: number): Promise<string[]> {
      vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
      const out: string[] = [];
      const reading = pieces(toServerSentEvents(timed(times), { keepAliveMs })).then((all) => out.push(...all));
      await vi.advanceTimersByTimeAsync(untilMs);
      await reading;
      return out.map((piece) => (piece.startsWith(":") ? "ka" : piece.startsWith("data: [DONE]") ? "done" : JSON.parse(piece.slice(6)).at));
    }

    it("sends none while data comes more often than keepAliveMs", async () => {
      expect(await run([40, 80, 120, 160, 200, 240], 50, 300)).toEqual([40, 80, 120, 160, 200, 240, "done"]);
    });

    it("sends one keepAliveMs after the last data, not keepAliveMs after the timer was set", async () => {
      // Data at 30 and 230: the timer set at 0 fires at 100, finds 70 ms of silence and waits until 130.
      expect(await run([30, 230], 100, 300)).toEqual([30, "ka", 230, "done"]);
      expect(await run([30, 125], 100, 300)).toEqual([30, 125, "done"]);
    });

    it("keeps sending them through a long silence", async () => {
      expect(await run([10, 350], 100, 400)).toEqual([10, "ka", "ka", "ka", 350, "done"]);
    });
  });
});
