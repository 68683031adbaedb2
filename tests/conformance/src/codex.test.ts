import { startOpenAIDouble, type OpenAIDouble, type RecordedRequest } from "@toolshim/provider-generic/double";
import { describe, expect, it } from "vitest";
import ensureBuilt from "../../../packages/server/src/e2e/ensure-built.js";
import { gatewayForFile, promptOf, replyWithCalls, serveOver, type GatewayOver, type RunningCli } from "./__fixtures__/responses-anthropic-gateway.js";
import { runCodex } from "./harness/run-codex.js";

const MODEL = "scripted";
const MARKER = "codex-ran-this-7f3a";
const FINAL = "The command printed the marker; all done.";

/**
 * toolshim with its DEFAULT config: nothing but a provider pointing at the scripted OpenAI-compatible double and a
 * model id. The double rejects native tools, as a model server without a tool parser does, so every call Codex sees
 * was emulated. (Hosted tools such as web_search are left out by default; namespace tools are flattened.)
 */
async function startCodexGateway(): Promise<GatewayOver<OpenAIDouble>> {
  ensureBuilt();
  const double = await startOpenAIDouble({ tools: "reject" });
  return serveOver(double, {
    providers: { local: { use: "generic", baseURL: double.url } },
    models: [{ id: MODEL, provider: "local", upstreamModel: "double-model" }],
  });
}

let gateway: GatewayOver<OpenAIDouble>;
gatewayForFile(startCodexGateway, (started) => (gateway = started));

/** The "model": a shell call through Codex's exec_command until a tool result comes back, then the final text. */
function shellThenAnswer(request: RecordedRequest) {
  if (promptOf(request).results.length > 0) return FINAL;
  return replyWithCalls(request, [{ name: "exec_command", arguments: { cmd: `echo ${MARKER} > proof.txt && cat proof.txt` } }], "Running it. ");
}

/** The Responses requests Codex made, as the gateway logged them. */
function responsesLogs(server: RunningCli) {
  return server.logs().filter((line) => typeof line.path === "string" && line.path.startsWith("/v1/responses"));
}

const versions = [
  ["@openai/codex 0.171 (latest)", "@openai/codex"],
  ["@openai/codex 0.160 (an older release still in use)", "codex-v0-160"],
];

describe.each(versions)("%s, unmodified, against the default config", (_label, packageName) => {
  it("runs a shell command through an emulated call, sees its output and ends with the model's text, streaming", { timeout: 180_000 }, async () => {
    gateway.double.script(shellThenAnswer);
    const before = gateway.double.chatRequests().length;
    const run = await runCodex({ baseURL: gateway.server.baseURL, model: MODEL, prompt: "Write the marker to proof.txt and show it.", packageName });
    const context = `exit ${run.code}\nstdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-3000)}\ngateway:\n${gateway.server.stderr().slice(-2000)}`;
    expect(run.code, context).toBe(0);

    // With the default `tools: auto`, the first request may try native tools, which the double refuses; the
    // requests that reached the model carry the tools in the prompt, Codex's namespace tools flattened into it.
    const upstream = gateway.double.chatRequests().slice(before).filter((request) => request.body.tools === undefined);
    const prompt = JSON.stringify(upstream[0]!.body.messages);
    expect(prompt).toContain("### exec_command");
    expect(prompt).toContain("### multi_agent_v1.spawn_agent");
    expect(prompt).not.toContain("### web_search");
    // The shell ran: its output is in the function_call_output Codex sent back, which reached the model as a result.
    const results = upstream.flatMap((request) => promptOf(request).results);
    expect(results.map((result) => result.name)).toContain("exec_command");
    expect(results.map((result) => result.content).join("\n")).toContain(MARKER);
    expect(run.lastMessage.trim()).toBe(FINAL);
    const commands = run.events.filter((event) => event.item?.type === "command_execution");
    expect(commands.at(-1)?.item).toMatchObject({ aggregated_output: expect.stringContaining(MARKER), exit_code: 0 });

    // Every turn was a streamed Responses request that succeeded.
    const logs = responsesLogs(gateway.server);
    expect(logs.length).toBeGreaterThanOrEqual(2);
    expect(logs.every((line) => line.status === 200 && line.stream === true), JSON.stringify(logs)).toBe(true);
  });
});
