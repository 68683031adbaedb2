// Use toolshim's core in your own code: OpenAI-style tool calling on top of any upstream.
// Run from a project that depends on @toolshim/core: node core-usage.mjs
import { createChatCompletion } from "@toolshim/core";
import { createReplayUpstream } from "@toolshim/core/testing";

// A stand-in for a model without native tool calling: it answers in toolshim's prompt format, as a model that read
// the tool instructions would ({{nonce}} is the per-request code from those instructions). In real code, use a
// provider such as @toolshim/provider-generic, or implement the small `Upstream` interface yourself.
const upstream = createReplayUpstream({
  responses: {
    text: 'Let me check.\n<call:{{nonce}}>{"name": "get_weather", "arguments": {"city": "Paris"}}</call:{{nonce}}>',
    chunkSize: 8,
  },
});

const request = {
  model: "my-model",
  messages: [{ role: "user", content: "What's the weather in Paris?" }],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
  ],
};

const result = await createChatCompletion(request, {
  upstream,
  upstreamModel: "any-upstream-model",
  signal: AbortSignal.timeout(30_000),
});

const [choice] = result.response.choices;
console.log(choice.finish_reason); // tool_calls
console.log(choice.message.content); // Let me check.
console.log(choice.message.tool_calls[0].function); // { name: 'get_weather', arguments: '{"city": "Paris"}' }

// The same request with `stream: true` gives `result.chunks`, Chat Completions chunks ready for toServerSentEvents().
const streamed = await createChatCompletion(
  { ...request, stream: true },
  { upstream, upstreamModel: "any-upstream-model", signal: AbortSignal.timeout(30_000) },
);
for await (const chunk of streamed.chunks) {
  const delta = chunk.choices[0]?.delta;
  if (delta?.tool_calls) console.log("tool call delta:", JSON.stringify(delta.tool_calls));
}
