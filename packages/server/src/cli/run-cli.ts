import { ConfigError } from "../config/config-error.js";
import { storageSchema } from "../config/config-schema.js";
import { defaultConfig } from "../config/default-config.js";
import { loadConfigFile, type ToolshimConfig } from "../config/load-config.js";
import { collectSecrets } from "../logging/collect-secrets.js";
import { createLogger, type Logger } from "../logging/create-logger.js";
import { startServer } from "../serve.js";
import { sqliteAvailable } from "../storage/sqlite-available.js";
import { printBanner } from "./banner.js";
import { ENVIRONMENT, parseCliArgs, UsageError, type CliOverrides } from "./parse-cli-args.js";

const HELP = `toolshim: an OpenAI-compatible gateway that gives tool calling to models without it.

Usage:
  toolshim serve [--config <file>] [--host <host>] [--port <port>] [--log-level <level>] [--pretty]
  toolshim check [--config <file>]
  toolshim --help | --version

Commands:
  serve    Start the server. Without a config file it serves the built-in demo
           model "toolshim-demo" (no credentials, no real model needed).
  check    Validate a config file and exit.

Options:
  -c, --config <file>      Config file (.yaml, .yml or .json).
      --host <host>        Listen on this address (overrides server.host).
  -p, --port <port>        Listen on this port, 0 for any free port (overrides server.port).
      --log-level <level>  fatal, error, warn, info, debug, trace or silent (overrides logging.level).
      --pretty, --no-pretty
                           One readable line per request instead of JSON (default: when stdout is a terminal).
  -h, --help               Show this help.
  -v, --version            Show the version.

Environment (a flag wins over its variable, both win over the config file):
${Object.entries(ENVIRONMENT)
  .map(([name, what]) => `  ${name.padEnd(21)}${what}`)
  .join("\n")}

Docs: https://github.com/toolshim/toolshim/blob/main/apps/docs/server.md`;

class StartError extends Error {}

/** The `toolshim` command: parses `argv`, runs it, and sets the process exit code (2 for usage, 1 for errors). */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`toolshim: ${error.message}\n\n${HELP}`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof StartError) {
      console.error(`toolshim: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(`toolshim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.command === "help") {
    console.log(HELP);
    return 0;
  }
  if (args.command === "version") {
    console.log(await version());
    return 0;
  }
  const config = applyOverrides(args.configPath ? await loadConfigFile(args.configPath) : defaultConfig(), args.overrides);
  if (args.command === "check") {
    const what = args.configPath ?? "no config file given (--config <file> or TOOLSHIM_CONFIG); the built-in demo config";
    console.log(`${what} is valid: ${Object.keys(config.providers).length} provider(s), models: ${config.models.map((m) => m.id).join(", ")}`);
    return 0;
  }
  return serveUntilSignal(config, args.configPath);
}

function applyOverrides(config: ToolshimConfig, overrides: CliOverrides): ToolshimConfig {
  if (overrides.host !== undefined) config.server.host = overrides.host;
  if (overrides.port !== undefined) config.server.port = overrides.port;
  if (overrides.apiKeys !== undefined) config.server.apiKeys = overrides.apiKeys;
  if (overrides.logLevel !== undefined) config.logging.level = overrides.logLevel;
  if (overrides.pretty !== undefined) config.logging.pretty = overrides.pretty;
  return config;
}

/** Stored Responses need node:sqlite; without it the server still starts, keeping them in memory, and says so once. */
function fallBackToMemoryStore(config: ToolshimConfig, logger: Logger): void {
  const storage = config.storage ?? storageSchema.parse({});
  if (storage.kind !== "sqlite" || sqliteAvailable()) return;
  config.storage = { ...storage, kind: "memory" };
  logger.warn(
    { node: process.versions.node },
    "node:sqlite is not available in this runtime: stored Responses are kept in memory and lost on restart (set storage.kind: memory to silence this)",
  );
}

async function serveUntilSignal(config: ToolshimConfig, configPath: string | undefined): Promise<number> {
  const logger = createLogger({ level: config.logging.level, pretty: config.logging.pretty, secrets: collectSecrets(config) });
  if (!configPath) logger.info("no config file given (--config or TOOLSHIM_CONFIG): serving the built-in demo model");
  if (config.server.apiKeys.length === 0) {
    logger.warn(
      { host: config.server.host },
      "server.apiKeys is empty: anyone who can reach this address can use the server and its upstream credentials",
    );
  }
  fallBackToMemoryStore(config, logger);

  let server;
  try {
    server = await startServer({ config, logger });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      const where = `${config.server.host}:${config.server.port}`;
      const why = code === "EADDRINUSE" ? "is already in use" : code === "EACCES" ? "needs privileges this user lacks" : "is not an address of this machine";
      throw new StartError(`cannot listen on ${where}: it ${why}. Choose another with --port/--host or server.port/server.host.`);
    }
    throw error;
  }
  logger.info({ url: server.url, models: config.models.map((m) => m.id) }, "listening");
  void printBanner({ url: server.url, config, configPath, version: await version() });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second Ctrl-C means "now".
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, "shutting down");
      server.close().then(
        () => {
          logger.info("stopped");
          logger.flush?.();
          resolve(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

async function version(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
