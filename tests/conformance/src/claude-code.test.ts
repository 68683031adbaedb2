import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DoubleReply, startOpenAIDouble, type OpenAIDouble, type RecordedRequest } from "@toolshim/provider-generic/double";
import ensureBuilt from "../../../packages/server/src/e2e/ensure-built.js";
import { gatewayForFile, promptOf, replyWithCalls, startCli, writeConfig, type RunningCli } from "./__fixtures__/responses-anthropic-gateway.js";
import { runClaudeCode } from "./harness/run-claude-code.js";

const MODEL = "emulated";
const FINAL = "Final answer from the double: the tool printed hello-from-tool.";
/** A 1×1 PNG. */
const PIXEL_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

interface DefaultGateway {
  double: OpenAIDouble;
  server: RunningCli;
  stop(): Promise<void>;
}

/**
 * toolshim with its default settings: one generic provider pointed at the double and one model, nothing else. The
 * double rejects native tools like a local model server without a tool parser; `tools: auto` (the default) then emulates.
 */
async function startDefaultGateway(): Promise<DefaultGateway> {
  ensureBuilt();
  const double = await startOpenAIDouble({ tools: "reject", chunkSize: 7 });
  const config = await writeConfig({
    providers: { local: { use: "generic", baseURL: double.url } },
    models: [{ id: MODEL, provider: "local", upstreamModel: "double-model" }],
  });
  const server = await startCli({ config });
  return { double, server, stop: async () => void (await Promise.all([server.stop(), double.close()])) };
}

/**
 * A model that thinks, runs `echo hello-from-tool` with Bash, then reports what it printed. Tool-less requests (titles)
 * get a title.
 */
function bashThenAnswer(request: RecordedRequest): DoubleReply {
  const view = promptOf(request);
  if (!view.nonce) return { text: "Greeting check" };
  const result = view.results.find((r) => r.name === "Bash");
  if (result) return { text: result.content.includes("hello-from-tool") ? FINAL : `The tool did not print the greeting: ${result.content}` };
  const call = { name: "Bash", arguments: { command: "echo hello-from-tool", description: "Print a greeting" } };
  return { reasoning: "The user wants a greeting from the shell.", text: replyWithCalls(request, [call], "Running it. ") };
}

let gateway: DefaultGateway;
gatewayForFile(startDefaultGateway, (started) => {
  gateway = started;
});

// 2.1 is current; 1.0 is the previous major (a Node script rather than a native binary), still pinned by some users.
const versions = [
  { label: "2.1.332", packageName: "@anthropic-ai/claude-code", asksForThinking: true },
  { label: "1.0.128", packageName: "claude-code-v1", asksForThinking: false },
];

describe.each(versions)("Claude Code $label (claude -p) against toolshim's default config", ({ packageName, asksForThinking }) => {
  it("runs Bash, sends its output back and ends with the double's text, streamed, with no 4xx", async () => {
    gateway.double.script(bashThenAnswer);
    const firstLog = gateway.server.logs().length;
    const firstRequest = gateway.double.chatRequests().length;
    const run = await runClaudeCode({ baseURL: gateway.server.url, model: MODEL, prompt: "Say hello using the Bash tool.", packageName });
    const context = `stdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-2000)}`;
    expect(run.code, context).toBe(0);

    // The CLI's own account: it called Bash, Bash printed the greeting, the run ended with the double's text.
    const toolUses = run.events.flatMap((e) => (e.type === "assistant" ? e.message.content : [])).filter((b: any) => b.type === "tool_use");
    expect(toolUses.map((b: any) => [b.name, b.input.command]), context).toEqual([["Bash", "echo hello-from-tool"]]);
    // 2.1 asks for thinking; the block it got (and sends back next turn) carries the signature it requires.
    const thinking = run.events.flatMap((e) => (e.type === "assistant" ? e.message.content : [])).filter((b: any) => b.type === "thinking");
    const expected = asksForThinking ? [["The user wants a greeting from the shell.", "toolshim-unsigned"]] : [];
    expect(thinking.map((b: any) => [b.thinking, b.signature])).toEqual(expected);
    const results = run.events.flatMap((e) => (e.type === "user" && Array.isArray(e.message.content) ? e.message.content : []));
    expect(JSON.stringify(results)).toContain("hello-from-tool");
    const result = run.events.find((e) => e.type === "result");
    expect(result, context).toMatchObject({ subtype: "success", is_error: false, result: FINAL });
    expect(run.events.filter((e) => e.subtype === "api_retry")).toEqual([]);

    // The gateway's account: the shell's output reached the model inside the result, every request streamed and passed.
    const upstream = gateway.double.chatRequests().slice(firstRequest);
    const seen = upstream.flatMap((request) => (promptOf(request).nonce ? promptOf(request).results : []));
    expect(seen.map((r) => [r.name, r.content.trim()])).toContainEqual(["Bash", "hello-from-tool"]);
    const requests = gateway.server.logs().slice(firstLog).filter((line) => line.msg === "request");
    const messages = requests.filter((line) => line.path === "/v1/messages");
    expect(messages.length).toBeGreaterThanOrEqual(2);
    expect(messages.every((line) => line.stream === true)).toBe(true);
    expect(requests.filter((line) => line.status >= 400).map((line) => [line.path, line.status, line.error])).toEqual([]);
  }, 180_000);
});

describe("Claude Code 2.1.332's mid-conversation system text", () => {
  it("reaches the model in place, after the task, as delimited system text", async () => {
    gateway.double.script(bashThenAnswer);
    const firstRequest = gateway.double.chatRequests().length;
    const run = await runClaudeCode({ baseURL: gateway.server.url, model: MODEL, prompt: "Say hello using the Bash tool." });
    expect(run.code).toBe(0);
    const emulated = gateway.double.chatRequests().slice(firstRequest).find((request) => promptOf(request).nonce !== undefined);
    const firstUser = (emulated?.body.messages as { role: string; content: unknown }[]).find((m) => m.role === "user");
    const text = JSON.stringify(firstUser?.content);
    expect(text.indexOf("Say hello using the Bash tool.")).toBeGreaterThanOrEqual(0);
    expect(text.indexOf("<system_instructions>")).toBeGreaterThan(text.indexOf("Say hello using the Bash tool."));
  }, 180_000);
});

describe("Claude Code 2.1.332's tool search", () => {
  it("loads a deferred tool through a tool_reference result, with no 4xx and no fallback", async () => {
    const offered: string[][] = [];
    gateway.double.script((request) => {
      const view = promptOf(request);
      if (!view.nonce) return "Tool search check";
      const names = view.tools.map((tool) => tool.name);
      offered.push(names);
      const found = view.results.find((r) => r.name === "ToolSearch");
      if (found) return names.includes("WebFetch") ? "WebFetch is loaded." : "WebFetch is still missing.";
      return replyWithCalls(request, [{ name: "ToolSearch", arguments: { query: "select:WebFetch" } }]);
    });
    const firstLog = gateway.server.logs().length;
    const run = await runClaudeCode({ baseURL: gateway.server.url, model: MODEL, prompt: "Find the web fetch tool." });
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.events.find((e) => e.type === "result")).toMatchObject({ subtype: "success", result: "WebFetch is loaded." });
    // The CLI really answered the search with a reference, and never retried or fell back to its text-only form.
    expect(JSON.stringify(run.events.filter((e) => e.type === "user"))).toContain('"type":"tool_reference","tool_name":"WebFetch"');
    expect(run.events.filter((e) => e.subtype === "api_retry")).toEqual([]);
    expect(offered[0]).toContain("ToolSearch");
    expect(offered[0]).not.toContain("WebFetch");
    const requests = gateway.server.logs().slice(firstLog).filter((line) => line.msg === "request");
    expect(requests.filter((line) => line.status >= 400).map((line) => [line.path, line.status, line.error])).toEqual([]);
  }, 180_000);
});

describe("Claude Code 2.1.332 reading an image", () => {
  it("sends the image inside the Read result, and the model sees it there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolshim-claude-image-"));
    const picture = join(dir, "pixel.png");
    await writeFile(picture, Buffer.from(PIXEL_PNG, "base64"));
    let seen: unknown;
    gateway.double.script((request) => {
      const view = promptOf(request);
      if (!view.nonce) return "Image check";
      if (view.results.some((r) => r.name === "Read")) {
        seen = (request.body.messages as { role: string; content: unknown }[]).at(-1)?.content;
        return "I saw the picture.";
      }
      return replyWithCalls(request, [{ name: "Read", arguments: { file_path: picture } }]);
    });
    try {
      const run = await runClaudeCode({ baseURL: gateway.server.url, model: MODEL, prompt: "Look at pixel.png.", cwd: dir, allowedTools: ["Read"] });
      expect(run.events.find((e) => e.type === "result"), run.stdout.slice(-3000)).toMatchObject({ subtype: "success", result: "I saw the picture." });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // The last upstream turn: the result's opening marker, the image, the closing marker, in that order.
    const parts = seen as { type: string; text?: string; image_url?: { url: string } }[];
    expect(Array.isArray(parts)).toBe(true);
    const image = parts.findIndex((part) => part.type === "image_url");
    expect(image).toBeGreaterThan(0);
    expect(parts[image]!.image_url!.url).toMatch(/^data:image\/png;base64,/);
    expect(parts[image - 1]!.text).toMatch(/<result:[A-Za-z0-9]+ id="toolu_[A-Za-z0-9]+" name="Read">\n[^]*$/);
    expect(parts[image + 1]!.text).toMatch(/^[^]*\n<\/result:[A-Za-z0-9]+>/);
  }, 180_000);
});
