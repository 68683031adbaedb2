import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const repoRoot = new URL("../../../../", import.meta.url).pathname;
// The server and every workspace package its built CLI imports at runtime.
const packages = ["server", "core", "provider-generic", "provider-deepseek", "provider-demo"];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "__fixtures__") newest = Math.max(newest, newestSource(path));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function isStale(name: string): boolean {
  const dir = join(repoRoot, "packages", name);
  const output = join(dir, "dist", name === "server" ? "cli.js" : "index.js");
  return !existsSync(output) || statSync(output).mtimeMs < newestSource(join(dir, "src"));
}

/** True when this vitest run includes end-to-end files (no file filters, or a filter matching one of them). */
function runsEndToEnd(): boolean {
  const values = new Set(["--project", "--config", "-c", "--root", "-r", "--dir", "--reporter", "--pool", "-t", "--testNamePattern"]);
  const args = process.argv.slice(2);
  const filters = args.filter((arg, i) => !arg.startsWith("-") && !values.has(args[i - 1] ?? "") && !["run", "watch", "dev", "related"].includes(arg));
  if (filters.length === 0) return true;
  const files = readdirSync(new URL(".", import.meta.url)).map((name) => `src/e2e/${name}`);
  return files.some((file) => filters.some((filter) => file.includes(filter.replace(/^\.\//, ""))));
}

/**
 * Vitest global setup: `turbo run build` for the server and its dependencies when any of their builds is missing or
 * older than its sources, so `pnpm test` works in the package from a clean clone and never tests a stale build.
 * Set TOOLSHIM_SKIP_BUILD=1 to test whatever dist/ holds.
 */
export default function ensureBuilt(): void {
  if (process.env.TOOLSHIM_SKIP_BUILD === "1" || !runsEndToEnd() || !packages.some(isStale)) return;
  const result = spawnSync("pnpm", ["exec", "turbo", "run", "build", "--filter=@toolshim/server...", "--output-logs=errors-only"], {
    cwd: repoRoot,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("building @toolshim/server and its dependencies failed; see the output above");
}
