import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ChatCompletionAccumulator } from "../chat/encode-chat-completion.js";
import type { ChatCompletionChunk } from "../chat/encode-chat-completion-chunks.js";
import { checkChatCompletionChunks } from "../testing/check-chat-completion-chunks.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { shaped } from "./__fixtures__/batched-upstream.js";
import { createChatCompletion } from "./create-chat-completion.js";

// Every real model output in the parser's vectors, through the whole engine: each stream must keep the Chat Completions
// streaming rules, and streamed and non-streamed answers must agree, whatever the chunking.
const FIXTURE = resolve(import.meta.dirname, "../parser/__fixtures__/model-outputs.jsonl");

interface Vector {
  format: string;
  output: string;
  expected: { name: string }[];
  tools?: string[];
  partial?: boolean;
}

const vectors = readFileSync(FIXTURE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line, i) => ({ line: i + 1, ...(JSON.parse(line) as Vector) }));

function request(vector: Vector, stream: boolean) {
  const names = [...new Set([...(vector.tools ?? []), ...vector.expected.map((call) => call.name)])];
  return {
    model: "m",
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
    messages: [{ role: "user", content: "Go." }],
    ...(names.length > 0 ? { tools: names.map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } })) } : {}),
  };
}

function context(vector: Vector, chunkSize: number) {
  const upstream = shaped(
    createReplayUpstream({
      responses: { text: vector.output, chunkSize, end: vector.partial ? "length" : "stop", usage: { inputTokens: 1, outputTokens: 1 } },
    }),
  );
  return { upstream, upstreamModel: "u", signal: new AbortController().signal, repairAttempts: 0 };
}

function comparable(completion: ReturnType<ChatCompletionAccumulator["result"]>) {
  const [choice] = completion.choices;
  return {
    content: choice?.message.content,
    reasoning: choice?.message.reasoning_content,
    calls: choice?.message.tool_calls?.map((call) => (call.type === "function" ? [call.function.name, call.function.arguments] : [call.custom.name, call.custom.input])),
    finish: choice?.finish_reason,
  };
}

describe("the engine over the shared model-output vectors", () => {
  it.each(vectors.map((vector) => [`L${vector.line} ${vector.format}`, vector] as const))("%s", async (_label, vector) => {
    const reference = await createChatCompletion(request(vector, false), context(vector, 0)).then(
      (result) => (result.stream ? undefined : comparable(result.response)),
      (error: unknown) => ({ error: (error as { code?: string }).code }),
    );
    for (const chunkSize of [1, 3, 7]) {
      const outcome = await createChatCompletion(request(vector, true), context(vector, chunkSize)).then(
        async (result) => {
          if (!result.stream) throw new Error("expected a stream");
          const chunks: ChatCompletionChunk[] = [];
          for await (const chunk of result.chunks) chunks.push(chunk);
          expect(checkChatCompletionChunks(chunks, { includeUsage: true }), `chunkSize ${chunkSize}`).toEqual([]);
          const accumulator = new ChatCompletionAccumulator();
          for (const chunk of chunks) accumulator.add(chunk);
          const folded = comparable(accumulator.result());
          // A call cut off by the length limit is visible in the stream but left out of the non-streaming answer.
          if (folded.finish === "length" && reference && "calls" in reference && !reference.calls) delete folded.calls;
          return folded;
        },
        (error: unknown) => ({ error: (error as { code?: string }).code }),
      );
      expect(outcome, `chunkSize ${chunkSize}`).toEqual(reference);
    }
  });
});
