import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { installNode, nodeVersionOf } from "./install-node.js";
import { packWorkspace, PUBLISHED } from "./pack-workspace.js";

// A user without the repository: the packed tarballs installed with npm into an empty folder outside the workspace,
// then `npx toolshim serve` there, on the lowest Node the packages declare and on the registry's newest.
const engines = (JSON.parse(readFileSync(new URL("../../../packages/server/package.json", import.meta.url), "utf8")) as { engines: { node: string } })
  .engines.node;
const lowest = `${engines.replace(/^>=\s*/, "")}.0`.split(".").slice(0, 3).join(".");

let app: string;
let packed: string;
beforeAll(() => {
  const tarballs = packWorkspace();
  packed = dirname(tarballs.core);
  app = mkdtempSync(join(tmpdir(), "toolshim-installed-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "toolshim-user", private: true }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", ...PUBLISHED.map((name) => tarballs[name])], { cwd: app, stdio: "pipe" });
}, 300_000);

afterAll(() => {
  for (const dir of [app, packed]) if (dir) rmSync(dir, { recursive: true, force: true });
});

let child: ChildProcess | undefined;
afterEach(async () => {
  // npx runs toolshim as its own child: stop the whole process group, then wait until it is gone.
  if (child?.pid !== undefined && child.exitCode === null) {
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    await exited;
  }
  child = undefined;
});

/** `npx toolshim …` in the install folder, with `nodeBin` first on PATH (npx and the toolshim bin both run on it). */
function npxToolshim(nodeBin: string, args: string[]): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${nodeBin}${delimiter}${process.env.PATH ?? ""}`, NO_COLOR: "1" };
  for (const key of Object.keys(env)) if (key.startsWith("TOOLSHIM_") || key.startsWith("npm_")) delete env[key];
  return spawn("npx", ["--no", "toolshim", ...args], { cwd: app, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
}

function waitForUrl(server: ChildProcess): Promise<{ url: string; banner: () => string }> {
  let stderr = "";
  return new Promise((resolve, reject) => {
    server.stderr!.on("data", (data: Buffer) => {
      stderr += data.toString();
      const match = /toolshim listening on (http:\/\/\S+)/.exec(stderr);
      if (match) resolve({ url: match[1]!, banner: () => stderr });
    });
    server.on("exit", (code) => reject(new Error(`toolshim exited with ${code} before listening:\n${stderr}`)));
  });
}

const weatherRequest = {
  model: "toolshim-demo",
  messages: [{ role: "user", content: "What is the weather in Paris?" }],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
  ],
};

describe.each([
  ["the lowest supported", lowest],
  ["the newest", "latest"],
])("installed from the tarballs, on %s Node (%s)", (_label, spec) => {
  let nodeBin: string;
  beforeAll(() => {
    nodeBin = installNode(spec);
  }, 300_000);

  it("npx toolshim serve answers the demo model with a tool call", async () => {
    const version = nodeVersionOf(nodeBin);
    if (spec !== "latest") expect(version).toBe(spec);
    child = npxToolshim(nodeBin, ["serve", "--port", "0"]);
    const { url, banner } = await waitForUrl(child);

    const response = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(weatherRequest) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { finish_reason: string; message: { tool_calls: { function: { name: string; arguments: string } }[] } }[] };
    expect(body.choices[0]!.finish_reason).toBe("tool_calls");
    const call = body.choices[0]!.message.tool_calls[0]!.function;
    expect(call.name).toBe("get_weather");
    expect(JSON.parse(call.arguments)).toEqual({ city: "Paris" });

    const installed = JSON.parse(readFileSync(join(app, "node_modules/@toolshim/server/package.json"), "utf8")) as { version: string };
    expect(banner()).toContain(`toolshim ${installed.version} on Node.js ${version}`);
  });
});
