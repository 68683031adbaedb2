import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, writeConfig, type RunningCli } from "./harness.js";

const example = new URL("../../examples/toolshim.example.yaml", import.meta.url).pathname;

describe("toolshim command", () => {
  it("prints help, and rejects unknown commands with usage and exit code 2", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("toolshim serve [--config <file>] [--host <host>] [--port <port>]");
    const wrong = await runCli(["serv"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown command "serv"');
    expect(wrong.stderr).toContain("Usage:");
  });

  it("rejects bad config files with the key path and what to write, exit code 1", async () => {
    const typo = await writeConfig({
      providers: { local: { use: "generic", baseURL: "http://127.0.0.1:9/v1" } },
      models: [{ id: "m", provider: "locl" }],
    });
    const run = await runCli(["serve", "--config", typo]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${typo} is not a valid toolshim config:`);
    expect(run.stderr).toContain('models[0].provider: unknown provider "locl"; defined providers: local');

    const secret = await writeConfig(
      { providers: { local: { use: "generic", baseURL: "http://127.0.0.1:9/v1", apiKey: "${UPSTREAM_KEY}" } }, models: [{ id: "m", provider: "local" }] },
      ".json",
    );
    const missing = await runCli(["serve"], { TOOLSHIM_CONFIG: secret, UPSTREAM_KEY: undefined });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("providers.local.apiKey: environment variable UPSTREAM_KEY is not set");

    const broken = await writeConfig("server:\n  port: [1,\n");
    const unparsable = await runCli(["check", "--config", broken]);
    expect(unparsable.code).toBe(1);
    expect(unparsable.stderr).toContain("cannot parse YAML");

    const absent = await runCli(["serve", "--config", "/nonexistent/toolshim.yaml"]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain("cannot read the config file: file not found");
  });

  it("checks the shipped example config", async () => {
    const run = await runCli(["check", "--config", example]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("models: local-model, toolshim-demo");
  });
});

describe("the demo model with no config", () => {
  let server: RunningCli;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startCli();
    client = new OpenAI({ baseURL: server.baseURL, apiKey: "not-needed", maxRetries: 0 });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
    {
      type: "function",
      function: { name: "send_email", description: "Send an email", parameters: { type: "object", properties: { to: { type: "string" }, body: { type: "string" } }, required: ["to", "body"] } },
    },
  ];

  it("is listed as a demo", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => [m.id, m.owned_by])).toEqual([["toolshim-demo", "toolshim-demo"]]);
  });

  it("calls a tool, then answers from the tool's result (not streamed)", async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: "user", content: "What is the weather in Lisbon?" }];
    const first = await client.chat.completions.create({ model: "toolshim-demo", messages, tools });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Lisbon" });
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: '{"temperature_c": 21, "sky": "sunny"}' });
    const second = await client.chat.completions.create({ model: "toolshim-demo", messages, tools });
    expect(second.choices[0]!.finish_reason).toBe("stop");
    expect(second.choices[0]!.message.tool_calls ?? []).toEqual([]);
    expect(second.choices[0]!.message.content).toContain('get_weather: {"temperature_c":21,"sky":"sunny"}');
  });

  it("streams a tool call with the SDK's stream helper, and explains itself without tools", async () => {
    const stream = client.chat.completions.stream({
      model: "toolshim-demo",
      messages: [{ role: "user", content: "Email bob@example.com that the build is green" }],
      tools,
    });
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    const final = await stream.finalChatCompletion();
    expect(chunks).toBeGreaterThan(3);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    const call = final.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("send_email");
    expect(JSON.parse(call.function.arguments)).toMatchObject({ to: "bob@example.com" });
    expect(final.choices[0]!.message.content ?? "").not.toContain("<call:");

    const plain = await client.chat.completions.create({ model: "toolshim-demo", messages: [{ role: "user", content: "Hello" }] });
    expect(plain.choices[0]!.message.content).toContain("not a language model");
  });

  it("logs one JSON line per request, with the request id it returned", async () => {
    const response = await client.chat.completions.create({ model: "toolshim-demo", messages: [{ role: "user", content: "hi" }] }).withResponse();
    const requestId = response.response.headers.get("x-request-id");
    expect(requestId).toMatch(/^req_/);
    await expect.poll(() => server.logs().find((line) => line.requestId === requestId)).toMatchObject({
      msg: "request",
      model: "toolshim-demo",
      provider: "demo",
      stream: false,
      status: 200,
      finishReason: "stop",
    });
    // Log lines come on stdout, the banner the harness waits for on stderr: the two pipes are read independently.
    await expect.poll(() => server.logs().some((line) => line.level === 40 && /apiKeys is empty/.test(line.msg)), { timeout: 10_000 }).toBe(true);
  });
});
