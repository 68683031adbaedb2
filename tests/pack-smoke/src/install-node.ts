import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A Node.js binary from the npm registry's `node` package (`spec`: an exact version or a dist-tag), installed once into
 * the system temp folder and reused by later runs. Returns the folder holding the `node` binary, to put first on PATH.
 */
export function installNode(spec: string): string {
  const dir = join(tmpdir(), "toolshim-pack-smoke-node", spec);
  const bin = join(dir, "node_modules", "node", "bin");
  // "latest" moves: reinstall it on every run; an exact version is installed once.
  if (spec === "latest" || !existsSync(join(bin, "node"))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir, `node@${spec}`], { stdio: "pipe" });
  }
  return bin;
}

export function nodeVersionOf(binDir: string): string {
  return execFileSync(join(binDir, "node"), ["--version"], { encoding: "utf8" }).trim().replace(/^v/, "");
}
