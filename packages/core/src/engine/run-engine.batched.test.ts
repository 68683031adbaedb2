// The tests of run-engine.test.ts again, with the upstream handing over its events in batches.
import { expect, it } from "vitest";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { shaped, upstreamShape } from "./__fixtures__/batched-upstream.js";
import { body } from "./__fixtures__/requests.js";
import { type BatchIterator, nextBatch } from "./batch-iterator.js";
import { runEngine } from "./run-engine.js";

upstreamShape.batched = true;
await import("./run-engine.test.js");

it("turns one batch of upstream events into one batch of canonical events", async () => {
  const upstream = shaped(createReplayUpstream({ responses: { text: "It is sunny in Paris.", chunkSize: 4 } }));
  const { events } = await runEngine(decodeChatCompletionRequest({ ...body(), stream: true }), {
    upstream,
    upstreamModel: "up",
    signal: new AbortController().signal,
  });
  const batch = await (events as BatchIterator<unknown>)[nextBatch]();
  expect(batch).toEqual([
    ...["It i", "s su", "nny ", "in P", "aris", "."].map((text) => ({ type: "text", text })),
    { type: "finish", reason: "stop" },
  ]);
  expect(await (events as BatchIterator<unknown>)[nextBatch]()).toBeUndefined();
});
