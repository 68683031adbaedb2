// The workload every runtime runs, bundled with @toolshim/core into one ES module (no Node built-ins, no imports):
// each model-output vector through the whole engine (not streamed, and streamed in 3-character chunks), and one
// streamed round-trip of the README's weather example encoded as Server-Sent Events. Its result is plain JSON so the
// runtimes' answers can be compared with Node's. As a module it is also a Worker: `fetch` answers with the result.
import { createChatCompletion, toServerSentEvents } from "@toolshim/core";
import { createReplayUpstream } from "@toolshim/core/testing";
import vectorsText from "../../../packages/core/src/parser/__fixtures__/model-outputs.jsonl";

interface Vector {
  output: string;
  expected: { name: string }[];
  tools?: string[];
  partial?: boolean;
}

interface Choice {
  finish_reason: string;
  message: { content: string | null; reasoning_content?: string; tool_calls?: { function: { name: string; arguments: string } }[] };
}

function request(vector: Vector, stream: boolean) {
  const names = [...new Set([...(vector.tools ?? []), ...vector.expected.map((call) => call.name)])];
  const tools = names.map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } }));
  return { model: "m", stream, messages: [{ role: "user", content: "Go." }], ...(tools.length ? { tools } : {}) };
}

function context(text: string, chunkSize: number, end: "stop" | "length" = "stop") {
  return { upstream: createReplayUpstream({ responses: { text, chunkSize, end } }), upstreamModel: "u", signal: new AbortController().signal, repairAttempts: 0 };
}

/** What a completion says, without the random ids. */
function summary(choice: Choice | undefined) {
  return {
    finish: choice?.finish_reason,
    content: choice?.message.content ?? null,
    reasoning: choice?.message.reasoning_content ?? null,
    calls: (choice?.message.tool_calls ?? []).map((call) => [call.function.name, call.function.arguments]),
  };
}

async function vectorOutcome(vector: Vector) {
  const end = vector.partial ? "length" : "stop";
  const whole = await createChatCompletion(request(vector, false), context(vector.output, 0, end)).then(
    (result) => (result.stream ? "unexpected stream" : summary(result.response.choices[0] as Choice)),
    (error: { code?: string }) => ({ error: error.code ?? "error" }),
  );
  const streamed = await createChatCompletion(request(vector, true), context(vector.output, 3, end)).then(
    async (result) => {
      if (!result.stream) return "unexpected whole answer";
      let pieces = 0;
      for await (const _chunk of result.chunks) pieces++;
      return { chunks: pieces > 0 };
    },
    (error: { code?: string }) => ({ error: error.code ?? "error" }),
  );
  return { whole, streamed };
}

async function roundTrip() {
  const result = await createChatCompletion(
    {
      model: "m",
      stream: true,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }],
    },
    context('Let me check.\n<call:{{nonce}}>{"name": "get_weather", "arguments": {"city": "Paris"}}</call:{{nonce}}>', 4),
  );
  if (!result.stream) throw new Error("expected a stream");
  const text = await new Response(toServerSentEvents(result.chunks, { keepAliveMs: 0 })).text();
  const events = text.split("\n\n").filter((event) => event.startsWith("data: ") && event !== "data: [DONE]");
  const deltas = events.map((event) => (JSON.parse(event.slice(6)) as { choices: { delta: { tool_calls?: { function?: { name?: string; arguments?: string } }[] }; finish_reason: string | null }[] }).choices[0]);
  const calls = deltas.flatMap((choice) => choice?.delta.tool_calls ?? []);
  return {
    done: text.endsWith("data: [DONE]\n\n"),
    name: calls.find((call) => call.function?.name)?.function?.name,
    arguments: calls.map((call) => call.function?.arguments ?? "").join(""),
    finish: deltas.at(-1)?.finish_reason ?? deltas.findLast((choice) => choice?.finish_reason)?.finish_reason,
  };
}

export async function probe() {
  const vectors = vectorsText
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Vector);
  const outcomes = [];
  for (const vector of vectors) outcomes.push(await vectorOutcome(vector));
  return { vectors: outcomes, roundTrip: await roundTrip() };
}

export default {
  async fetch(): Promise<Response> {
    return Response.json(await probe());
  },
};
