// Regenerates client-requests.json: the request bodies real client libraries send, captured by handing each library a
// fetch that records the request and answers with a canned OpenAI response (no network). The libraries are installed
// in tests/conformance, so run it from there:
//
//   cd tests/conformance && node ../../packages/core/src/chat/__fixtures__/capture-client-requests.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(join(process.cwd(), "package.json"));
const version = (name) => JSON.parse(readFileSync(join(process.cwd(), "node_modules", name, "package.json"), "utf8")).version;
const { z } = require("zod");

const captured = [];
const completion = (message, finishReason) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", refusal: null, ...message }, logprobs: null, finish_reason: finishReason }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const weatherCall = completion(
  { content: null, reasoning_content: "The user wants the weather; call get_weather.", tool_calls: [{ id: "call_w1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
  "tool_calls",
);
const answer = completion({ content: '{"answer":"18°C in Paris"}' }, "stop");

/** A fetch that records each request body under `label` and answers with the given completions in turn. */
function recorder(client, scenario, replies) {
  let turn = 0;
  return async (url, init) => {
    const body = JSON.parse(typeof init?.body === "string" ? init.body : await new Response(init?.body).text());
    captured.push({ client, scenario: `${scenario} (request ${turn + 1})`, body });
    const reply = replies[Math.min(turn++, replies.length - 1)];
    if (body.stream) {
      const chunk = { ...reply, object: "chat.completion.chunk", choices: reply.choices.map((c) => ({ index: 0, delta: c.message, finish_reason: c.finish_reason })) };
      const sse = `data: ${JSON.stringify(chunk)}\n\ndata: ${JSON.stringify({ ...chunk, choices: [], usage: reply.usage })}\n\ndata: [DONE]\n\n`;
      return new Response(sse, { headers: { "content-type": "text/event-stream" } });
    }
    return new Response(JSON.stringify(reply), { headers: { "content-type": "application/json" } });
  };
}

const weatherSchema = z.object({ city: z.string().describe("City name") });
const getWeather = async ({ city }) => `18°C in ${city}`;

async function openaiNode(pkg) {
  const { default: OpenAI } = require(pkg);
  const client = `openai@${version(pkg)}`;
  const fetch = recorder(client, "runTools with a tool call then an answer", [weatherCall, answer]);
  const openai = new OpenAI({ baseURL: "http://127.0.0.1:1/v1", apiKey: "x", fetch, maxRetries: 0 });
  await openai.chat.completions
    .runTools({
      model: "m",
      messages: [
        { role: "developer", content: "Answer briefly." },
        { role: "user", content: [{ type: "text", text: "Weather in Paris?" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }] },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Get the weather",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
            function: getWeather,
            parse: JSON.parse,
          },
        },
      ],
      parallel_tool_calls: false,
    })
    .finalContent();
  const streamFetch = recorder(client, "create stream with named tool_choice and history", [weatherCall]);
  const streaming = new OpenAI({ baseURL: "http://127.0.0.1:1/v1", apiKey: "x", fetch: streamFetch, maxRetries: 0 });
  const stream = await streaming.chat.completions.create({
    model: "m",
    stream: true,
    stream_options: { include_usage: true },
    messages: [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Weather in Paris?", name: "alice" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_x", content: "18°C" },
      { role: "user", content: "And Rome?" },
    ],
    tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true } }],
    tool_choice: { type: "function", function: { name: "get_weather" } },
    max_completion_tokens: 256,
    temperature: 0,
    seed: 1,
  });
  for await (const _ of stream);
}

async function aiSdk(aiPkg, providerPkg, label) {
  const { generateText, tool, stepCountIs, Output } = require(aiPkg);
  const { createOpenAICompatible } = require(providerPkg);
  const client = `${label}@${version(aiPkg)} + @ai-sdk/openai-compatible@${version(providerPkg)}`;
  const fetch = recorder(client, "generateText with tools over two steps", [weatherCall, answer]);
  const provider = createOpenAICompatible({ name: "toolshim", baseURL: "http://127.0.0.1:1/v1", apiKey: "x", fetch });
  await generateText({
    model: provider("m"),
    system: "Answer briefly.",
    prompt: "Weather in Paris?",
    tools: { get_weather: tool({ description: "Get the weather", inputSchema: weatherSchema, execute: getWeather }) },
    stopWhen: stepCountIs(3),
    maxRetries: 0,
  });
  const objectFetch = recorder(client, "generateText with Output.object", [answer]);
  const structured = createOpenAICompatible({ name: "toolshim", baseURL: "http://127.0.0.1:1/v1", apiKey: "x", fetch: objectFetch });
  await generateText({
    model: structured("m"),
    prompt: "Weather in Paris as JSON",
    output: Output.object({ schema: z.object({ answer: z.string() }) }),
    maxRetries: 0,
  }).catch(() => undefined);
}

async function aiSdkOpenAIChat() {
  const { generateText, tool } = require("ai");
  const { createOpenAI } = require("@ai-sdk/openai");
  const client = `ai@${version("ai")} + @ai-sdk/openai@${version("@ai-sdk/openai")} (.chat)`;
  const fetch = recorder(client, "generateText with toolChoice tool", [weatherCall]);
  const openai = createOpenAI({ baseURL: "http://127.0.0.1:1/v1", apiKey: "x", fetch });
  await generateText({
    model: openai.chat("m"),
    prompt: "Weather in Paris?",
    tools: { get_weather: tool({ description: "Get the weather", inputSchema: weatherSchema, execute: getWeather }) },
    toolChoice: { type: "tool", toolName: "get_weather" },
    maxRetries: 0,
  });
}

async function langchain() {
  const { ChatOpenAI } = require("@langchain/openai");
  const { AIMessage, HumanMessage, SystemMessage, ToolMessage } = require("@langchain/core/messages");
  const client = `@langchain/openai@${version("@langchain/openai")}`;
  const fetch = recorder(client, "bindTools invoke with tool history", [weatherCall]);
  const model = new ChatOpenAI({ model: "my-model", apiKey: "x", configuration: { baseURL: "http://127.0.0.1:1/v1", fetch }, maxRetries: 0 });
  const weatherTool = { name: "get_weather", description: "Get the weather", schema: weatherSchema };
  await model.bindTools([weatherTool], { tool_choice: "any" }).invoke([
    new SystemMessage("Answer briefly."),
    new HumanMessage("Weather in Paris?"),
    new AIMessage({ content: "", tool_calls: [{ id: "call_l1", name: "get_weather", args: { city: "Paris" } }] }),
    new ToolMessage({ tool_call_id: "call_l1", content: "18°C" }),
    new HumanMessage("And Rome?"),
  ]);
  const streamFetch = recorder(client, "streaming bindTools", [weatherCall]);
  const streaming = new ChatOpenAI({ model: "my-model", apiKey: "x", streaming: true, configuration: { baseURL: "http://127.0.0.1:1/v1", fetch: streamFetch }, maxRetries: 0 });
  for await (const _ of await streaming.bindTools([weatherTool]).stream("Weather in Paris?"));
  const structuredFetch = recorder(client, "withStructuredOutput", [answer]);
  const structured = new ChatOpenAI({ model: "my-model", apiKey: "x", configuration: { baseURL: "http://127.0.0.1:1/v1", fetch: structuredFetch }, maxRetries: 0 });
  await structured.withStructuredOutput(z.object({ answer: z.string() })).invoke("Weather in Paris as JSON");
}

await openaiNode("openai");
await openaiNode("openai-v6");
await aiSdk("ai", "@ai-sdk/openai-compatible", "ai");
await aiSdk("ai-v6", "ai-sdk-openai-compatible-v2", "ai");
await aiSdkOpenAIChat();
await langchain();

const out = new URL("./client-requests.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(captured, null, 2)}\n`);
console.log(`wrote ${captured.length} requests to ${out.pathname}`);
