import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { installNode, nodeVersionOf } from "./install-node.js";

// The server's end-to-end suite (packages/server/src/e2e: the real CLI on a loopback port, real clients, protocol
// doubles) again, with every server it starts running on the lowest Node the packages support. Vitest itself stays on
// the workspace Node; the harness spawns the CLI with TOOLSHIM_E2E_NODE.
const run = promisify(execFile);
const engines = (JSON.parse(readFileSync(new URL("../../../packages/server/package.json", import.meta.url), "utf8")) as { engines: { node: string } }).engines.node;
const lowest = `${engines.replace(/^>=\s*/, "")}.0`.split(".").slice(0, 3).join(".");

describe(`the server's end-to-end suite on Node ${lowest}`, () => {
  it("passes", async () => {
    const node = `${installNode(lowest)}/node`;
    expect(nodeVersionOf(installNode(lowest))).toBe(lowest);
    const server = new URL("../../../packages/server/", import.meta.url).pathname;
    const { stdout } = await run("pnpm", ["exec", "vitest", "run", "src/e2e"], {
      cwd: server,
      env: { ...process.env, TOOLSHIM_E2E_NODE: node, TOOLSHIM_SKIP_BUILD: "1", NO_COLOR: "1" },
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`the e2e suite failed on Node ${lowest}:\n${(error.stdout ?? "").slice(-6000)}\n${(error.stderr ?? "").slice(-2000)}`);
    });
    expect(stdout).toMatch(/Tests\s+\d+ passed/);
    expect(stdout).not.toMatch(/\d+ failed/);
  }, 900_000);
});
