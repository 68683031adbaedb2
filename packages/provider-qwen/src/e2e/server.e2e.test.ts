import { mkdir, symlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { defaultDialect } from "@toolshim/core";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type RunningCli, startCli, writeConfig } from "../../../server/src/e2e/harness.js";
import { type AnswerContext, type DoubleAnswer, type QwenDouble, startQwenDouble } from "../double/index.js";

// The real toolshim server (built CLI) against the Qwen Chat double, one provider named `use: qwen` (the short name
// finds the installed package) and one `use: "@toolshim/provider-qwen"` (the package named outright), driven by the real openai and @anthropic-ai/sdk clients on all three APIs. The package is installed next to the config
// (a node_modules link), as a user would install it: no server change names it.

const PACKAGE_DIR = fileURLToPath(new URL("../../", import.meta.url));
const PASSWORD = "correct horse battery staple";
const TOOL_RESULT = "4 degrees and sleet";

let double: QwenDouble;
let failing: QwenDouble;
let server: RunningCli;

/** The double's "model": thinks, then calls get_weather in the markup the prompt asked for, or answers from the result. */
function model(context: AnswerContext): DoubleAnswer {
  if (context.prompt.includes(TOOL_RESULT)) return { summary: context.thinking ? ["The tool answered."] : [], answer: ["It is 4 degrees ", "in Oslo."] };
  const nonce = /<call:([A-Za-z0-9]+)>/.exec(context.prompt)?.[1];
  if (!nonce) return { answer: ["No tools offered."] };
  const call = defaultDialect.renderCall({ id: "", name: "get_weather", arguments: '{"city":"Oslo"}' }, { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce });
  return { summary: context.thinking ? ["I should look the weather up."] : [], answer: ["Checking.\n", ...(call.match(/[\s\S]{1,9}/g) ?? [])] };
}

beforeAll(async () => {
  double = await startQwenDouble({ accounts: [{ email: "alice@example.com", password: PASSWORD }], keepAliveMs: 1000 });
  double.setReply(model);
  failing = await startQwenDouble({ tokens: ["bob-token"] });
  const config = await writeConfig({
    providers: {
      qwen: { use: "qwen", baseURL: double.url, accounts: [{ email: "alice@example.com", password: PASSWORD }] },
      "qwen-failing": { use: "@toolshim/provider-qwen", baseURL: failing.url, accounts: [{ name: "bob", token: "bob-token" }], verificationCooldownMs: 0, rateLimitCooldownMs: 0 },
    },
    models: [
      { id: "qwen-failing", provider: "qwen-failing", upstreamModel: "qwen3.7-plus" },
      { id: "qwen", provider: "qwen", upstreamModel: "qwen3.7-plus" },
      { id: "qwen-thinking", provider: "qwen", upstreamModel: "qwen3.7-plus-thinking" },
    ],
    logging: { level: "debug" },
  });
  const scope = join(dirname(config), "node_modules", "@toolshim");
  await mkdir(scope, { recursive: true });
  await symlink(PACKAGE_DIR, join(scope, "provider-qwen"), "dir");
  server = await startCli({ config });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await double?.close();
  await failing?.close();
});

const openaiTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
};
const question = [{ role: "user" as const, content: "Weather in Oslo?" }];

describe("Qwen Chat through the real server", () => {
  it("Chat Completions: a streamed tool call, with the thinking as reasoning_content", async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "qwen-thinking", messages: question, tools: [openaiTool], stream: true });
    let args = "";
    let reasoning = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as (OpenAI.Chat.Completions.ChatCompletionChunk.Choice.Delta & { reasoning_content?: string }) | undefined;
      reasoning += delta?.reasoning_content ?? "";
      for (const call of delta?.tool_calls ?? []) args += call.function?.arguments ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(reasoning).toBe("I should look the weather up.");
    expect(JSON.parse(args)).toEqual({ city: "Oslo" });
    expect(finish).toBe("tool_calls");
  });

  it("Chat Completions: not streamed, then the answer from the tool result", async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
    const first = await client.chat.completions.create({ model: "qwen", messages: question, tools: [openaiTool] });
    const message = first.choices[0]?.message;
    const call = message?.tool_calls?.[0];
    if (!message || !call) throw new Error("expected a tool call");
    expect(first.choices[0]?.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } });
    const second = await client.chat.completions.create({
      model: "qwen",
      tools: [openaiTool],
      messages: [...question, message, { role: "tool", tool_call_id: call.id, content: TOOL_RESULT }],
    });
    expect(second.choices[0]?.message.content).toBe("It is 4 degrees in Oslo.");
    expect(second.usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it("Responses: streamed and not, with reasoning items", async () => {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });
    const tools: OpenAI.Responses.FunctionTool[] = [{ type: "function", name: "get_weather", strict: false, parameters: openaiTool.function.parameters ?? null }];
    const whole = await client.responses.create({ model: "qwen-thinking", input: "Weather in Oslo?", tools });
    expect(whole.output.map((item) => item.type)).toEqual(["reasoning", "message", "function_call"]);
    expect(whole.output[2]).toMatchObject({ type: "function_call", name: "get_weather", arguments: '{"city":"Oslo"}' });
    const stream = await client.responses.create({ model: "qwen-thinking", input: "Weather in Oslo?", tools, stream: true });
    let reasoning = "";
    let args = "";
    for await (const event of stream) {
      if (event.type === "response.reasoning_summary_text.delta") reasoning += event.delta;
      if (event.type === "response.function_call_arguments.delta") args += event.delta;
    }
    expect(reasoning).toBe("I should look the weather up.");
    expect(JSON.parse(args)).toEqual({ city: "Oslo" });
  });

  it("Anthropic Messages: streamed and not, with thinking blocks before the tool_use", async () => {
    const client = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    const tools: Anthropic.Tool[] = [{ name: "get_weather", description: "Current weather", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];
    const request = { model: "qwen-thinking", max_tokens: 4096, thinking: { type: "enabled" as const, budget_tokens: 2048 }, tools, messages: question };
    const whole = await client.messages.create(request);
    expect(whole.stop_reason).toBe("tool_use");
    expect(whole.content.map((block) => block.type)).toEqual(["thinking", "text", "tool_use"]);
    const stream = client.messages.stream(request);
    let thinking = "";
    stream.on("thinking", (delta) => void (thinking += delta));
    const streamed = await stream.finalMessage();
    expect(thinking).toBe("I should look the weather up.");
    expect(streamed.content.find((block) => block.type === "tool_use")).toMatchObject({ name: "get_weather", input: { city: "Oslo" } });
  });

  it("keeps the password and the issued tokens out of the logs, and leaves no chat behind", async () => {
    // A chat is deleted after its answer reached the client, so the last one may still be on its way out.
    await vi.waitFor(() => expect([...double.chats.values()].every((chat) => chat.deleted)).toBe(true), { timeout: 10_000 });
    const logs = JSON.stringify(server.logs()) + server.stderr();
    expect(logs).not.toContain(PASSWORD);
    expect(logs).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

describe("Qwen Chat failures through the real server", () => {
  const client = () => new OpenAI({ baseURL: server.baseURL, apiKey: "unused", maxRetries: 0 });

  it("a captcha becomes a 503 that names the account and says what to do", async () => {
    failing.failNext({ kind: "waf" });
    const error = await client().chat.completions.create({ model: "qwen-failing", messages: question }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 503, code: "human_verification_required" });
    expect((error as Error).message).toMatch(/account "bob".*browser/);
  });

  it("an error after text has streamed ends the stream with an error, and is not retried", async () => {
    failing.failNext({ kind: "stream-error", code: "Too_Many_Requests", details: "slow down", afterAnswer: ["Half an ans"] });
    const before = failing.requestsTo("/chat/completions").length;
    const stream = await client().chat.completions.create({ model: "qwen-failing", messages: question, stream: true });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((caught: unknown) => caught);
    expect(text).toBe("Half an ans");
    expect(error).toBeInstanceOf(Error);
    expect(failing.requestsTo("/chat/completions").length - before).toBe(1);
  });

  it("a used-up daily quota becomes a 429 with retry-after", async () => {
    failing.failNext({ kind: "envelope-error", code: "RateLimited", details: "daily usage limit reached", num: 4 });
    const anthropic = new Anthropic({ baseURL: server.url, apiKey: "unused", maxRetries: 0 });
    const error = await anthropic.messages.create({ model: "qwen-failing", max_tokens: 100, messages: question }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error).toMatchObject({ status: 429 });
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get("retry-after")).toBe("14400");
  });
});
