import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { jsonLines, packageBin, runAgentCli, withThrowawayHome } from "./run-agent-cli.js";

export interface CodexRun {
  code: number | null;
  /** `codex exec --json` lines, parsed. */
  events: Record<string, any>[];
  /** What `--output-last-message` wrote: the agent's final message. */
  lastMessage: string;
  stdout: string;
  stderr: string;
}

export interface CodexOptions {
  /** The gateway's OpenAI base URL (ending in /v1). */
  baseURL: string;
  /** The gateway's model id. */
  model: string;
  prompt: string;
  /** The installed package to run: `@openai/codex` or an npm alias of another version. */
  packageName?: string;
  timeoutMs?: number;
}

/** The `codex` launcher of an installed Codex package (its `bin` entry; it starts the platform package's binary). */
export function codexLauncher(packageName = "@openai/codex"): string {
  return packageBin(packageName, "codex");
}

/**
 * The config a user writes to point Codex at toolshim (apps/docs/clients/codex.md shows the same): a model provider
 * with `wire_api = "responses"`, no approvals, and no update checks, analytics or feedback. As root in a container,
 * Codex's own sandbox cannot start, so commands run unsandboxed (`danger-full-access`); the test's throwaway
 * directory is the only thing they touch.
 */
function codexConfig(options: CodexOptions): string {
  return [
    `model = ${JSON.stringify(options.model)}`,
    'model_provider = "toolshim"',
    'approval_policy = "never"',
    'sandbox_mode = "danger-full-access"',
    "check_for_update_on_startup = false",
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    "[model_providers.toolshim]",
    'name = "toolshim"',
    `base_url = ${JSON.stringify(options.baseURL)}`,
    'env_key = "TOOLSHIM_API_KEY"',
    'wire_api = "responses"',
    "",
  ].join("\n");
}

/**
 * Runs `codex exec --json PROMPT` unmodified and offline in a throwaway CODEX_HOME, HOME and working directory
 * (removed after). Only PATH is inherited, so no key or setting of the machine leaks in.
 */
export async function runCodex(options: CodexOptions): Promise<CodexRun> {
  return withThrowawayHome("toolshim-codex-home-", async (home) => {
    const codexHome = join(home, ".codex");
    const work = join(home, "work");
    await mkdir(codexHome, { recursive: true });
    await mkdir(work);
    await writeFile(join(codexHome, "config.toml"), codexConfig(options));
    const lastMessageFile = join(home, "last-message.txt");
    const env = { CODEX_HOME: codexHome, TOOLSHIM_API_KEY: "unused-by-toolshim" };
    const args = [codexLauncher(options.packageName), "exec", "--json", "--skip-git-repo-check", "-o", lastMessageFile, options.prompt];
    const run = await runAgentCli({ name: "codex", command: process.execPath, args, home, env, cwd: work, timeoutMs: options.timeoutMs });
    const lastMessage = await readFile(lastMessageFile, "utf8").catch(() => "");
    return { ...run, events: jsonLines<Record<string, any>>(run.stdout), lastMessage };
  });
}
