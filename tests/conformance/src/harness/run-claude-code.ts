import { join } from "node:path";
import { jsonLines, packageBin, runAgentCli, withThrowawayHome } from "./run-agent-cli.js";

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
  return packageBin(packageName, "claude");
}

/**
 * Runs `claude -p PROMPT --output-format stream-json --verbose` unmodified and offline: a throwaway HOME and config
 * directory per run (removed after), telemetry, auto-updates, error reporting and non-essential traffic off, every
 * model slot pointed at the gateway's model, and only Bash (or `allowedTools`) pre-approved (as root Claude Code refuses
 * `--dangerously-skip-permissions`). Only PATH is inherited, so no key or setting of the machine leaks in.
 */
export async function runClaudeCode(options: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  return withThrowawayHome("toolshim-claude-home-", async (home) => {
    const { model } = options;
    const env = {
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
    };
    const allowed = (options.allowedTools ?? ["Bash"]).join(",");
    const args = ["-p", options.prompt, "--output-format", "stream-json", "--verbose", "--allowedTools", allowed];
    const command = claudeBinary(options.packageName);
    const run = await runAgentCli({ name: "claude", command, args, home, env, cwd: options.cwd ?? home, timeoutMs: options.timeoutMs });
    return { ...run, events: jsonLines<Record<string, any>>(run.stdout) };
  });
}
