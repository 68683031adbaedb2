import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface ClaudeCodeRun {
  code: number | null;
  /** `--output-format stream-json` lines, parsed. */
  events: Record<string, any>[];
  stdout: string;
  stderr: string;
}

export interface ClaudeCodeOptions {
  /** The gateway's root URL (Claude Code appends /v1/messages itself). */
  baseURL: string;
  /** The gateway's model id, used for every model slot Claude Code has. */
  model: string;
  prompt: string;
  /** Tools allowed without asking. Default: Bash. */
  allowedTools?: string[];
  /** Working directory (default: the throwaway HOME). */
  cwd?: string;
  /** The installed package to run: `@anthropic-ai/claude-code` or an npm alias of another version. */
  packageName?: string;
  timeoutMs?: number;
}

/** The `claude` executable of an installed Claude Code package (its `bin` entry). */
export function claudeBinary(packageName = "@anthropic-ai/claude-code"): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${packageName}/package.json`);
  const { bin } = require(manifest) as { bin: string | Record<string, string> };
  return join(dirname(manifest), typeof bin === "string" ? bin : bin.claude!);
}

/**
 * Runs `claude -p PROMPT --output-format stream-json --verbose` unmodified and offline: a throwaway HOME and config
 * directory per run (removed after), telemetry, auto-updates, error reporting and non-essential traffic off, every
 * model slot pointed at the gateway's model, and only Bash (or `allowedTools`) pre-approved (as root Claude Code refuses
 * `--dangerously-skip-permissions`). Only PATH is inherited, so no key or setting of the machine leaks in.
 */
export async function runClaudeCode(options: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const home = await mkdtemp(join(tmpdir(), "toolshim-claude-home-"));
  const { model } = options;
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, ".claude"),
    ANTHROPIC_BASE_URL: options.baseURL,
    ANTHROPIC_API_KEY: "unused-by-toolshim",
    ANTHROPIC_MODEL: model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: model,
    ANTHROPIC_SMALL_FAST_MODEL: model,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_TELEMETRY: "1",
    DISABLE_AUTOUPDATER: "1",
    DISABLE_ERROR_REPORTING: "1",
    NO_COLOR: "1",
  };
  const allowed = (options.allowedTools ?? ["Bash"]).join(",");
  const args = ["-p", options.prompt, "--output-format", "stream-json", "--verbose", "--allowedTools", allowed];
  const child = spawn(claudeBinary(options.packageName), args, { env, cwd: options.cwd ?? home, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (data) => (stdout += data));
  child.stderr.on("data", (data) => (stderr += data));
  const timeoutMs = options.timeoutMs ?? 120_000;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`claude did not finish within ${timeoutMs} ms\nstdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`));
      }, timeoutMs);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const events = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, any>);
    return { code, events, stdout, stderr };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
