import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkings, expectConversation, MODELS, playScenario, startGateway, type Gateway, type ObservedCall, type Scenario } from "./harness/index.js";

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

const filesystemServer = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-filesystem/dist/index.js");

let gateway: Gateway;
let mcp: Client;
let root: string;
let mcpTools: { name: string; description?: string; inputSchema: Record<string, unknown> }[];

beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), "toolshim-mcp-")));
  [gateway] = await Promise.all([
    startGateway(),
    (async () => {
      // The real filesystem MCP server, run with node over stdio, allowed to touch `root` only.
      mcp = new Client({ name: "toolshim-conformance-host", version: "1.0.0" });
      await mcp.connect(new StdioClientTransport({ command: process.execPath, args: [filesystemServer, root], cwd: root, stderr: "ignore" }));
    })(),
  ]);
  mcpTools = (await mcp.listTools()).tools;
});
afterAll(async () => {
  await mcp?.close();
  await gateway?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** MCP tools offered to an OpenAI-style model exactly as declared: same names, the inputSchema as parameters. */
const openAITools = (): OpenAI.Chat.Completions.ChatCompletionTool[] =>
  mcpTools.map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description ?? "", parameters: tool.inputSchema } }));

const NOTE = 'Grüße aus Köln 🌸\nsecond line with "quotes", a tab\tand <angle> brackets';

/** What the model does with the filesystem: two steps (parallel calls each, one with no arguments), then an answer. */
function filesystemScenario(dir: string): Scenario {
  return {
    name: "filesystem",
    prompt: `Create ${dir}/notes with a hello.txt in it, then show me what is there.`,
    tools: mcpTools.map((tool) => ({ name: tool.name, description: "", parameters: tool.inputSchema as any, execute: () => "(runs on the MCP server)" })),
    steps: [
      {
        text: "I'll create the folder and the file. ",
        calls: [
          { name: "create_directory", arguments: { path: `${dir}/notes` } },
          { name: "write_file", arguments: { path: `${dir}/notes/hello.txt`, content: NOTE } },
          { name: "create_directory", arguments: { path: `${dir}/notes/archive` } },
        ],
      },
      {
        calls: [
          { name: "list_directory", arguments: { path: `${dir}/notes` } },
          { name: "read_text_file", arguments: { path: `${dir}/notes/hello.txt` } },
          { name: "list_allowed_directories", arguments: {} },
        ],
      },
    ],
  };
}

/** The host's loop: send MCP tools, run every call on the MCP server by its exact name, feed the text results back. */
async function hostLoop(scenario: Scenario, stream: boolean) {
  const openai = new OpenAI({ baseURL: gateway.baseURL, apiKey: "unused", maxRetries: 0 });
  const messages: Message[] = [{ role: "user", content: scenario.prompt }];
  const steps: ObservedCall[][] = [];
  const stepTexts: string[] = [];
  const results: { name: string; content: string }[] = [];
  for (let round = 0; round < 5; round++) {
    const body = { model: MODELS.default, messages, tools: openAITools() };
    const completion = stream
      ? await openai.chat.completions.stream(body).finalChatCompletion()
      : await openai.chat.completions.create(body);
    const message = completion.choices[0]!.message;
    const calls = (message.tool_calls ?? []).map((call) => {
      if (call.type !== "function") throw new Error("expected function calls");
      return { id: call.id, name: call.function.name, arguments: call.function.arguments };
    });
    if (calls.length === 0) return { steps, stepTexts, finalText: message.content ?? "", results };
    steps.push(calls);
    stepTexts.push(message.content ?? "");
    messages.push(message);
    for (const call of calls) {
      const outcome = await mcp.callTool({ name: call.name, arguments: JSON.parse(call.arguments) });
      const content = (outcome.content as { type: string; text?: string }[]).map((part) => part.text ?? "").join("\n");
      expect(outcome.isError ?? false, content).toBe(false);
      results.push({ name: call.name, content });
      messages.push({ role: "tool", tool_call_id: call.id, content });
    }
  }
  throw new Error("no final answer after 5 rounds");
}

describe("MCP host: @modelcontextprotocol/sdk client + @modelcontextprotocol/server-filesystem over stdio", () => {
  it("offers the MCP tools under their declared names", () => {
    expect(mcpTools.map((tool) => tool.name)).toEqual(expect.arrayContaining(["create_directory", "write_file", "list_directory", "read_text_file", "list_allowed_directories"]));
  });

  const variants = chunkings.flatMap((chunking) => [false, true].map((stream) => ({ chunking, stream, label: `${chunking.name}, ${stream ? "streamed" : "not streamed"}` })));
  it.each(variants)("writes, lists and reads files through emulated calls: $label", async ({ chunking, stream }) => {
    const dir = join(root, `case-${chunking.size}-${stream}`);
    await mkdir(dir);
    const scenario = filesystemScenario(dir);
    const run = playScenario(gateway.double, scenario, chunking);
    const observed = await hostLoop(scenario, stream);
    expectConversation(run, observed, observed.results);

    // What the MCP server really did, checked on disk and in the results the model read.
    expect(await readFile(join(dir, "notes/hello.txt"), "utf8")).toBe(NOTE);
    const entries = await readdir(join(dir, "notes"), { withFileTypes: true });
    expect(entries.map((entry) => `${entry.isDirectory() ? "[DIR]" : "[FILE]"} ${entry.name}`).sort()).toEqual(["[DIR] archive", "[FILE] hello.txt"]);
    const [listing, text, allowed] = observed.results.slice(3);
    expect(listing!.content.split("\n").sort()).toEqual(["[DIR] archive", "[FILE] hello.txt"]);
    expect(text!.content).toBe(NOTE);
    expect(allowed!.content).toContain(root);
  });
});
