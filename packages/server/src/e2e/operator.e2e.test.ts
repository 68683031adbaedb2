import { execFileSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { runCli, startCli, writeConfig, type RunningCli } from "./harness.js";

// What a person at a terminal sees: flags and TOOLSHIM_* variables, the banner, pretty lines, mistakes explained.
let server: RunningCli | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const chat = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "toolshim-demo", messages: [{ role: "user", content: "hi" }] }),
  });

describe("toolshim serve, run by a person", () => {
  it("takes API keys and the log level from TOOLSHIM_* variables and says in the banner that a key is needed", async () => {
    server = await startCli({ env: { TOOLSHIM_API_KEYS: "key-one,key-two", TOOLSHIM_LOG_LEVEL: "warn" } });
    expect((await chat(server.url)).status).toBe(401);
    expect((await chat(server.url, { authorization: "Bearer key-two" })).status).toBe(200);
    await expect.poll(() => server!.stderr()).toContain("provider:  demo reachable");
    expect(server.stderr()).toContain("auth:      on (2 keys;");
    // The Node the server runs on: the workspace's, or the one TOOLSHIM_E2E_NODE names (tests/pack-smoke).
    const node = process.env.TOOLSHIM_E2E_NODE ? execFileSync(process.env.TOOLSHIM_E2E_NODE, ["--version"], { encoding: "utf8" }).trim().slice(1) : process.versions.node;
    expect(server.stderr()).toContain(`on Node.js ${node}`);
    expect(server.stderr()).toContain("model:     toolshim-demo → provider demo");
    // At warn level only the refused request is logged (a warning), not the answered one (info); no line has a key.
    await expect.poll(() => server!.logs().filter((line) => line.msg === "request").map((line) => line.status)).toEqual([401]);
    expect(JSON.stringify(server.logs())).not.toContain("key-two");
  });

  it("writes one readable line per request with --pretty", async () => {
    server = await startCli({ args: ["--pretty"] });
    let stdout = "";
    server.process.stdout!.on("data", (data: Buffer) => (stdout += data.toString()));
    expect((await chat(server.url)).status).toBe(200);
    await expect.poll(() => stdout).toMatch(/INFO {2}POST \/v1\/chat\/completions 200 \d+ms toolshim-demo \S+ tool_calls=0 /);
    const line = stdout.split("\n").find((text) => text.includes("POST /v1/chat/completions"))!;
    expect(line).not.toContain("{");
  });

  it("keeps stored Responses in memory, with one warning, where node:sqlite is missing", async () => {
    const running = await startCli({ env: { NODE_OPTIONS: "--no-experimental-sqlite" } });
    server = running;
    const created = await fetch(`${running.url}/v1/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "toolshim-demo", input: "hello" }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${running.url}/v1/responses/${id}`)).status).toBe(200);
    // Log lines come on stdout, the banner the harness waits for on stderr: the two pipes are read independently.
    const warnings = () => running.logs().filter((line) => line.level === 40 && /node:sqlite is not available/.test(line.msg)).length;
    await expect.poll(warnings, { timeout: 10_000 }).toBe(1);
  });
});

describe("toolshim mistakes, explained", () => {
  it("suggests the flag a typo meant", async () => {
    const run = await runCli(["serve", "--prot", "9000"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option "--prot"; did you mean "--port"?');
  });

  it("checks the built-in config when no config file is given", async () => {
    const run = await runCli(["check"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("the built-in demo config is valid: 1 provider(s), models: toolshim-demo");
    expect(run.stdout).not.toContain("undefined");
  });

  it("points at the line and column of a bad value, echoes it and hints at the fix", async () => {
    const file = await writeConfig(["providers:", "  local:", "    use: generic", "    baseURL: localhost:11434/v1", "models:", "  - { id: m, provider: local }", ""].join("\n"));
    const run = await runCli(["check", "--config", file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 4, column 14: providers.local.baseURL: Invalid URL; you wrote "localhost:11434/v1"; hint: a URL starts with its scheme: write http://localhost:11434/v1');
  });
});
