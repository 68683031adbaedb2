// The tests of create-chat-completion.test.ts again, with the upstream handing over its events in batches.
import { expect, it } from "vitest";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { shaped, upstreamShape } from "./__fixtures__/batched-upstream.js";
import { body } from "./__fixtures__/requests.js";
import { type BatchIterator, nextBatch } from "./batch-iterator.js";
import { createChatCompletion } from "./create-chat-completion.js";
import { toServerSentEvents } from "./to-server-sent-events.js";

upstreamShape.batched = true;
await import("./create-chat-completion.test.js");

it("encodes one batch of upstream events as one batch of chunks, and one piece of SSE", async () => {
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
    ...["It i", "s su", "nny ", "in P", "aris", "."].map((content) => ({ content })),
    {},
  ]);
  expect(batch.at(-1)?.choices[0]?.finish_reason).toBe("stop");

  const again = await createChatCompletion({ ...body(), stream: true }, context());
  if (!again.stream) throw new Error("expected a stream");
  const pieces: string[] = [];
  for await (const bytes of toServerSentEvents(again.chunks, { keepAliveMs: 0 })) pieces.push(new TextDecoder().decode(bytes));
  expect(pieces).toHaveLength(2);
  expect(pieces[0]?.match(/^data: \{/gm)).toHaveLength(8);
  expect(pieces[1]).toBe("data: [DONE]\n\n");
});
