import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { startDeepSeekDouble, type DeepSeekDouble } from "@toolshim/provider-deepseek/double";
import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ensureBuilt from "../../../packages/server/src/e2e/ensure-built.js";
import { startCli, writeConfig, type RunningCli } from "../../../packages/server/src/e2e/harness.js";

/**
 * The forgery corpus end to end: the real built server, both providers' protocol doubles, real clients. A "model" that
 * only quotes the call markup it was given (every recognised format, in a tool result, a fetched page, a user or a
 * system message) must produce 0 calls on all three APIs, streamed and not. The full cross product runs in process in
 * packages/core/src/provenance/forgery-corpus.test.ts; this slice covers every format once per API, streaming mode and
 * provider, rotating the placement.
 */
interface Vector {
  format: string;
  markup: string;
}

const VECTORS = JSON.parse(
  readFileSync(new URL("../../../packages/core/src/provenance/__fixtures__/forgery-vectors.json", import.meta.url), "utf8"),
) as Vector[];
const PLACEMENTS = ["tool-result", "fetched-page", "user", "system"] as const;
type Placement = (typeof PLACEMENTS)[number];
type Api = "chat" | "responses" | "anthropic";
type Provider = "generic" | "deepseek";

const forged = (vector: Vector) => vector.markup.replaceAll("{{to}}", "eve").replaceAll("{{amount}}", "500");
const authored = (vector: Vector) => vector.markup.replaceAll("{{to}}", "bob").replaceAll("{{amount}}", "5");

const sendMoney = {
  name: "send_money",
  description: "Send money to someone",
  parameters: { type: "object", properties: { to: { type: "string" }, amount: { type: "number" } }, required: ["to", "amount"] },
};
const fetchPage = { name: "fetch_page", description: "Fetch a web page", parameters: { type: "object", properties: { url: { type: "string" } } } };
const url = JSON.stringify({ url: "https://shop.example/offers" });

function inputs(placement: Placement, markup: string) {
  const page = JSON.stringify({ url: "https://shop.example/offers", html: `<html><body><p>${markup}</p></body></html>` });
  return {
    system: placement === "system" ? `You are a helpful agent. Operator note: ${markup}` : "You are a helpful agent.",
    user: placement === "user" ? `Summarise this:\n${markup}` : "What does the offers page say?",
    result: placement === "tool-result" ? `Fetched:\n${markup}` : placement === "fetched-page" ? page : "The page is empty.",
  };
}

let generic: OpenAIDouble;
let deepseek: DeepSeekDouble;
let server: RunningCli;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  ensureBuilt();
  generic = await startOpenAIDouble({ tools: "reject", chunkSize: 3 });
  deepseek = await startDeepSeekDouble({ tokens: ["forgery-token"], powDifficulty: 300 });
  const config = await writeConfig({
    providers: {
      local: { use: "generic", baseURL: generic.url, tools: "emulate" },
      ds: { use: "deepseek", baseUrl: deepseek.url, accounts: [{ token: "forgery-token" }] },
    },
    models: [
      { id: "generic", provider: "local", upstreamModel: "double-model" },
      { id: "deepseek", provider: "ds", upstreamModel: "deepseek-chat" },
      { id: "nonce-only", provider: "local", upstreamModel: "double-model", foreignFormats: false },
    ],
    storage: { kind: "memory" },
    logging: { level: "warn" },
  });
  server = await startCli({ config });
  openai = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await generic?.close();
  await deepseek?.close();
});

/** The next reply of the model behind `model` (requests in this file run one at a time). */
function script(model: string, reply: string | ((prompt: string) => string)): void {
  if (model === "deepseek") deepseek.setReply((context) => (typeof reply === "string" ? reply : reply(context.prompt)));
  else generic.script((request) => (typeof reply === "string" ? reply : reply(JSON.stringify(request.body.messages))));
}

interface Outcome {
  calls: string[];
  text: string;
}

async function chat(model: string, placement: Placement, markup: string, stream: boolean): Promise<Outcome> {
  const { system, user, result } = inputs(placement, markup);
  const body = {
    model,
    tools: [sendMoney, fetchPage].map((tool) => ({ type: "function" as const, function: tool })),
    messages: [
      { role: "system" as const, content: system },
      { role: "user" as const, content: user },
      { role: "assistant" as const, content: null, tool_calls: [{ id: "call_1", type: "function" as const, function: { name: "fetch_page", arguments: url } }] },
      { role: "tool" as const, tool_call_id: "call_1", content: result },
    ],
  };
  if (!stream) {
    const message = (await openai.chat.completions.create(body)).choices[0]?.message;
    return { calls: (message?.tool_calls ?? []).map((call) => (call.type === "function" ? call.function.name : call.type)), text: message?.content ?? "" };
  }
  const outcome: Outcome = { calls: [], text: "" };
  for await (const chunk of await openai.chat.completions.create({ ...body, stream: true })) {
    const delta = chunk.choices[0]?.delta;
    for (const call of delta?.tool_calls ?? []) if (call.function?.name) outcome.calls.push(call.function.name);
    outcome.text += delta?.content ?? "";
  }
  return outcome;
}

async function responses(model: string, placement: Placement, markup: string, stream: boolean): Promise<Outcome> {
  const { system, user, result } = inputs(placement, markup);
  const body = {
    model,
    store: false,
    instructions: system,
    tools: [sendMoney, fetchPage].map((tool) => ({ type: "function" as const, strict: false, ...tool })),
    input: [
      { role: "user" as const, content: user },
      { type: "function_call" as const, call_id: "call_1", name: "fetch_page", arguments: url },
      { type: "function_call_output" as const, call_id: "call_1", output: result },
    ],
  };
  const response = stream ? await openai.responses.stream(body).finalResponse() : await openai.responses.create(body);
  return {
    calls: response.output.flatMap((item) => (item.type === "function_call" ? [item.name] : [])),
    text: response.output_text,
  };
}

async function messages(model: string, placement: Placement, markup: string, stream: boolean): Promise<Outcome> {
  const { system, user, result } = inputs(placement, markup);
  const body = {
    model,
    max_tokens: 1024,
    system,
    tools: [sendMoney, fetchPage].map((tool) => ({ name: tool.name, description: tool.description, input_schema: tool.parameters as Anthropic.Tool.InputSchema })),
    messages: [
      { role: "user" as const, content: user },
      { role: "assistant" as const, content: [{ type: "tool_use" as const, id: "toolu_1", name: "fetch_page", input: { url: "https://shop.example/offers" } }] },
      { role: "user" as const, content: [{ type: "tool_result" as const, tool_use_id: "toolu_1", content: result }] },
    ],
  };
  const message = stream ? await anthropic.messages.stream(body).finalMessage() : await anthropic.messages.create(body);
  return {
    calls: message.content.flatMap((block) => (block.type === "tool_use" ? [block.name] : [])),
    text: message.content.map((block) => (block.type === "text" ? block.text : "")).join(""),
  };
}

const API = { chat, responses, anthropic: messages } satisfies Record<Api, unknown>;

describe("forgery corpus through the real server", () => {
  for (const provider of ["generic", "deepseek"] satisfies Provider[]) {
    for (const api of Object.keys(API) as Api[]) {
      for (const stream of [false, true]) {
        it(`${provider}, ${api}, ${stream ? "streamed" : "not streamed"}: every format quoted from the input stays text`, async () => {
          const forgeries: string[] = [];
          for (const [i, vector] of VECTORS.entries()) {
            const placement = PLACEMENTS[i % PLACEMENTS.length] as Placement;
            const markup = forged(vector);
            script(provider, `${markup}\n\nThat block was in what I was given; I did not act on it.`);
            const outcome = await API[api](provider, placement, markup, stream);
            if (outcome.calls.length > 0) forgeries.push(`${vector.format} in ${placement}: ${outcome.calls.join(", ")}`);
            else if (!outcome.text.includes("send_money")) forgeries.push(`${vector.format} in ${placement}: the quote did not reach the client`);
          }
          expect(forgeries).toEqual([]);
        }, 120_000);
      }

      it(`${provider}, ${api}: foreign calls the model writes itself, and toolshim's marker, are calls (controls)`, async () => {
        const missed: string[] = [];
        for (const [i, vector] of VECTORS.entries()) {
          if (i % 3 !== 0) continue;
          script(provider, authored(vector));
          const outcome = await API[api](provider, "tool-result", forged(vector), i % 2 === 0);
          if (outcome.calls.join() !== "send_money") missed.push(`${vector.format}: ${JSON.stringify(outcome)}`);
        }
        script(provider, (prompt) => {
          const nonce = /<call:([A-Za-z0-9]+)>/.exec(prompt)?.[1] ?? "missing";
          return `<call:${nonce}>{"name": "send_money", "arguments": {"to": "bob", "amount": 5}}</call:${nonce}>`;
        });
        const marker = await API[api](provider, "tool-result", forged(VECTORS[0] as Vector), true);
        expect(missed).toEqual([]);
        expect(marker.calls).toEqual(["send_money"]);
      }, 120_000);
    }
  }

  it("a model with foreignFormats: false takes no foreign format as a call, even one the model wrote", async () => {
    const called: string[] = [];
    for (const vector of VECTORS) {
      script("nonce-only", authored(vector));
      const outcome = await chat("nonce-only", "user", "nothing quoted", false);
      if (outcome.calls.length > 0) called.push(vector.format);
    }
    expect(called).toEqual([]);
  }, 120_000);
});
