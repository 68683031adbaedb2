import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
// The server and every workspace package its built CLI imports at run time.
const packages = ["server", "core", "provider-generic", "provider-deepseek"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(name: string): boolean {
  const dir = join(repoRoot, "packages", name);
  const output = join(dir, "dist", name === "server" ? "cli.js" : "index.js");
  return !existsSync(output) || statSync(output).mtimeMs < newestSource(join(dir, "src"));
}

/**
 * Vitest global setup: the suite spawns the built server, so build it (and what it imports) when a build is missing
 * or older than its sources. Skipped when `TOOLSHIM_CONFORMANCE_CLI` names another build, or with TOOLSHIM_SKIP_BUILD=1.
 */
export default function setup(): void {
  if (process.env.TOOLSHIM_CONFORMANCE_CLI || process.env.TOOLSHIM_SKIP_BUILD === "1") return;
  if (!packages.some(isStale)) return;
  const result = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@toolshim/server...", "--output-logs=errors-only"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("building @toolshim/server and its dependencies failed; see the output above");
}
