import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface AgentCliOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface AgentCliOptions {
  /** How failures name the CLI ("claude did not finish…"). */
  name: string;
  command: string;
  args: string[];
  /** The throwaway HOME: it, PATH and NO_COLOR are always set; nothing else of the machine's environment is passed. */
  home: string;
  env: Record<string, string>;
  cwd: string;
  timeoutMs?: number;
}

/** The executable an installed npm package declares in its `bin` (under `binName` when it declares several). */
export function packageBin(packageName: string, binName: string): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${packageName}/package.json`);
  const { bin } = require(manifest) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bin === "string" ? bin : bin[binName]!);
}

/** Runs `use` with a fresh directory under the OS temp dir, removed afterwards whatever happens. */
export async function withThrowawayHome<T>(prefix: string, use: (home: string) => Promise<T>): Promise<T> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  try {
    return await use(home);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/**
 * Runs an agent CLI to completion and captures its output. Only PATH is inherited, so no key or setting of the machine
 * leaks in; a run past the timeout is killed and rejected with the tail of both streams, which is what explains a hang.
 */
export async function runAgentCli(options: AgentCliOptions): Promise<AgentCliOutput> {
  const env = { ...options.env, PATH: process.env.PATH, HOME: options.home, NO_COLOR: "1" };
  const child = spawn(options.command, options.args, { env, cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => (stdout += data));
  child.stderr.on("data", (data) => (stderr += data));
  const timeoutMs = options.timeoutMs ?? 120_000;
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${options.name} did not finish within ${timeoutMs} ms\nstdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`));
    }, timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  return { code, stdout, stderr };
}

/** The JSON objects of a JSON-lines output; other lines (banners, warnings) are skipped. */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as T);
}
