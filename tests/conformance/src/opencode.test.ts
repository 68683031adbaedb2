import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RecordedRequest } from "@toolshim/provider-generic/double";
import { describe, expect, it } from "vitest";
import { jsonLines, runAgentCli, withThrowawayHome } from "./harness/run-agent-cli.js";
import { gatewayForFile, MODEL, promptOf, replyWithCalls, startGateway, type Gateway } from "./__fixtures__/responses-anthropic-gateway.js";

const MARKER = "opencode-ran-this-5c1e";
const FINAL = "The command printed the marker; all done.";

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

/**
 * The three wire APIs opencode reaches a custom provider through, each an AI SDK provider package it bundles, as a
 * user declares them in opencode.json (apps/docs/clients/opencode.md shows the same).
 */
const wires = [
  { name: "openai-compatible chat", npm: "@ai-sdk/openai-compatible", path: "/v1/chat/completions" },
  { name: "openai responses", npm: "@ai-sdk/openai", path: "/v1/responses" },
  { name: "anthropic messages", npm: "@ai-sdk/anthropic", path: "/v1/messages" },
];

function opencodeConfig(baseURL: string) {
  return {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: Object.fromEntries(
      wires.map((wire, i) => [
        `toolshim-${i}`,
        { npm: wire.npm, name: `toolshim (${wire.name})`, options: { baseURL, apiKey: "unused" }, models: { [MODEL]: { name: MODEL, tool_call: true } } },
      ]),
    ),
  };
}

/** The opencode binary its npm package's postinstall put in place (a bin stub until then, as with npm). */
function opencodeBinary(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("opencode-ai/package.json")), "bin", "opencode.exe");
}

/** The fields of `opencode run --format json` events the test reads. */
interface OpencodeEvent {
  type: string;
  part: {
    tool?: string;
    state?: { status: string; input: { command?: string }; output?: string };
    reason?: string;
    text?: string;
  };
}

interface OpencodeRun {
  code: number | null;
  events: OpencodeEvent[];
  stdout: string;
  stderr: string;
  /** The file the shell command wrote, if it ran. */
  proof: string | undefined;
}

/**
 * `opencode run --format json` unmodified, offline: a throwaway HOME, XDG dirs and project directory (removed after),
 * no model list fetched, no update check, no default plugins; only PATH is inherited.
 */
async function runOpencode(model: string, prompt: string, timeoutMs = 120_000): Promise<OpencodeRun> {
  return withThrowawayHome("toolshim-opencode-home-", async (home) => {
    const work = join(home, "project");
    await mkdir(work);
    await writeFile(join(work, "opencode.json"), JSON.stringify(opencodeConfig(gateway.server.baseURL), null, 2));
    const env = {
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_DATA_HOME: join(home, ".local", "share"),
      XDG_CACHE_HOME: join(home, ".cache"),
      XDG_STATE_HOME: join(home, ".local", "state"),
      OPENCODE_DISABLE_MODELS_FETCH: "1",
      OPENCODE_DISABLE_AUTOUPDATE: "1",
      OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
      OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    };
    const args = ["run", "--format", "json", "--model", model, prompt];
    const run = await runAgentCli({ name: "opencode", command: opencodeBinary(), args, home, env, cwd: work, timeoutMs });
    const proof = await readFile(join(work, "proof.txt"), "utf8").catch(() => undefined);
    return { ...run, events: jsonLines<OpencodeEvent>(run.stdout), proof };
  });
}

/** The "model": opencode's bash tool until a tool result comes back, then the final text; tool-less requests (titles) get a title. */
function shellThenAnswer(request: RecordedRequest) {
  const view = promptOf(request);
  if (!view.nonce) return "Shell check";
  if (view.results.length > 0) return view.results.some((result) => result.content.includes(MARKER)) ? FINAL : `No marker in ${JSON.stringify(view.results)}`;
  return replyWithCalls(request, [{ name: "bash", arguments: { command: `echo ${MARKER} > proof.txt && cat proof.txt`, description: "Write the marker" } }], "Running it. ");
}

describe.each(wires.map((wire, i) => ({ ...wire, provider: `toolshim-${i}` })))("opencode 1.18 over $name ($npm)", ({ provider, path }) => {
  it("runs bash through an emulated call, sees its output and ends with the model's text, streaming", { timeout: 180_000 }, async () => {
    gateway.double.script(shellThenAnswer);
    const firstLog = gateway.server.logs().length;
    const run = await runOpencode(`${provider}/${MODEL}`, "Write the marker file with bash.");
    const context = `stdout:\n${run.stdout.slice(-3000)}\nstderr:\n${run.stderr.slice(-2000)}`;
    expect(run.code, context).toBe(0);
    expect(run.proof?.trim(), context).toBe(MARKER);

    // opencode's own account: one bash call that completed with the marker as output, then the model's final text.
    const tools = run.events.filter((event) => event.type === "tool_use").map((event) => event.part);
    expect(tools.map((part) => [part.tool, part.state?.status, part.state?.input.command]), context).toEqual([
      ["bash", "completed", `echo ${MARKER} > proof.txt && cat proof.txt`],
    ]);
    expect(tools[0]?.state?.output).toContain(MARKER);
    const steps = run.events.filter((event) => event.type === "step_finish").map((event) => event.part.reason);
    expect(steps, context).toEqual(["tool-calls", "stop"]);
    const texts = run.events.filter((event) => event.type === "text").map((event) => event.part.text);
    expect(texts, context).toEqual(["Running it. ", FINAL]);

    // The gateway's account: every request on this wire streamed and passed (title requests included).
    const requests = gateway.server.logs().slice(firstLog).filter((line) => line.msg === "request");
    expect(requests.filter((line) => line.status >= 400).map((line) => [line.path, line.status, line.error])).toEqual([]);
    const onWire = requests.filter((line) => line.path === path);
    expect(onWire.length).toBeGreaterThanOrEqual(2);
    expect(onWire.every((line) => line.stream === true)).toBe(true);
  });
});
