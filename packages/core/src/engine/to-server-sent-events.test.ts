import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { toServerSentEvents } from "./to-server-sent-events.js";

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
    const text = await read(toServerSentEvents(chunks(), { keepAliveMs: 15 }));
    expect(text).toMatch(/^(: keep-alive\n\n)+data: \{"late":true\}\n\ndata: \[DONE\]\n\n$/);
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
    for (let i = 0; i < 40 && !returned; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(returned).toBe(true);
    const settled = produced;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(produced).toBe(settled);
  });
});
