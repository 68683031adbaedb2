// The tests of create-chat-completion.test.ts again, with the upstream handing over its events in batches.
import { expect, it } from "vitest";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { shaped, upstreamShape } from "./__fixtures__/batched-upstream.js";
import { body } from "./__fixtures__/requests.js";
import type { Upstream, UpstreamEvent } from "../upstream.js";
import { BatchSource, type BatchIterator, nextBatch } from "./batch-iterator.js";
import { createChatCompletion } from "./create-chat-completion.js";
import { toServerSentEvents } from "./to-server-sent-events.js";

upstreamShape.batched = true;
await import("./create-chat-completion.test.js");

it("encodes one batch of upstream events as one batch of chunks, its text as one delta, and one piece of SSE", async () => {
  const context = () => ({
    upstream: shaped(createReplayUpstream({ responses: { text: "It is sunny in Paris.", chunkSize: 4 } })),
    upstreamModel: "up",
    signal: new AbortController().signal,
  });
  const result = await createChatCompletion({ ...body(), stream: true }, context());
  if (!result.stream) throw new Error("expected a stream");
  const batch = (await (result.chunks as BatchIterator<{ choices: { delta: object; finish_reason: string | null }[] }>)[nextBatch]()) ?? [];
  expect(batch.map((chunk) => chunk.choices[0]?.delta)).toEqual([
    { role: "assistant", content: "" },
    // Six upstream text deltas of one read: one client delta, sent at the same moment they would have been.
    { content: "It is sunny in Paris." },
    {},
  ]);
  expect(batch.at(-1)?.choices[0]?.finish_reason).toBe("stop");

  const again = await createChatCompletion({ ...body(), stream: true }, context());
  if (!again.stream) throw new Error("expected a stream");
  const pieces: string[] = [];
  for await (const bytes of toServerSentEvents(again.chunks, { keepAliveMs: 0 })) pieces.push(new TextDecoder().decode(bytes));
  expect(pieces).toHaveLength(2);
  expect(pieces[0]?.match(/^data: \{/gm)).toHaveLength(3);
  expect(pieces[1]).toBe("data: [DONE]\n\n");
});

it("merges text only within one upstream read: a read's text goes out at once, the next read's in its own delta", async () => {
  let release: (() => void) | undefined;
  const reads: UpstreamEvent[][] = [
    [
      { type: "text", text: "Hel" },
      { type: "text", text: "lo" },
    ],
    [{ type: "text", text: " there" }],
    [{ type: "end", reason: "stop" }],
  ];
  /** Hands out one read per pull; the second waits until the test has the first read's chunks. */
  class Reads extends BatchSource<UpstreamEvent> {
    #next = 0;
    protected async pull(): Promise<UpstreamEvent[] | undefined> {
      if (this.#next === 1) await new Promise<void>((resolve) => (release = resolve));
      return reads[this.#next++];
    }
    protected close(): void {}
  }
  const upstream: Upstream = { name: "reads", listModels: async () => [], stream: () => new Reads() };
  const result = await createChatCompletion({ ...body({ tools: undefined }), stream: true }, { upstream, upstreamModel: "up", signal: new AbortController().signal });
  if (!result.stream) throw new Error("expected a stream");
  const chunks = result.chunks as BatchIterator<{ choices: { delta: object }[] }>;
  const first = (await chunks[nextBatch]()) ?? [];
  expect(first.map((chunk) => chunk.choices[0]?.delta)).toEqual([{ role: "assistant", content: "" }, { content: "Hello" }]);
  const second = chunks[nextBatch]();
  release?.();
  expect(((await second) ?? []).map((chunk) => chunk.choices[0]?.delta)).toEqual([{ content: " there" }]);
});
