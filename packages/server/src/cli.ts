#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "./config/config-error.js";
import { defaultConfig } from "./config/default-config.js";
import { loadConfigFile, type ToolshimConfig } from "./config/load-config.js";
import { collectSecrets } from "./logging/collect-secrets.js";
import { createLogger } from "./logging/create-logger.js";
import { startServer } from "./serve.js";

const HELP = `toolshim: an OpenAI-compatible gateway that gives tool calling to models without it.

Usage:
  toolshim serve [--config <file>] [--host <host>] [--port <port>]
  toolshim check [--config <file>]
  toolshim --help | --version

Commands:
  serve    Start the server. Without a config file it serves the built-in demo
           model "toolshim-demo" (no credentials, no real model needed).
  check    Validate a config file and exit.

Options:
  -c, --config <file>  Config file (.yaml, .yml or .json). Default: $TOOLSHIM_CONFIG.
      --host <host>    Listen on this address (overrides server.host).
  -p, --port <port>    Listen on this port, 0 for any free port (overrides server.port).
  -h, --help           Show this help.
  -v, --version        Show the version.

Docs: https://github.com/toolshim/toolshim/blob/main/apps/docs/server.md`;

class UsageError extends Error {}
class StartError extends Error {}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: "string", short: "c" },
        host: { type: "string" },
        port: { type: "string", short: "p" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (values.version) {
    console.log(await version());
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command !== "serve" && command !== "check") {
    throw new UsageError(command === undefined ? "missing command" : `unknown command "${command}"`);
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);

  const configPath = values.config ?? (process.env.TOOLSHIM_CONFIG || undefined);
  const config = configPath ? await loadConfigFile(configPath) : defaultConfig();
  if (values.host !== undefined) config.server.host = values.host;
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${values.port}"`);
    config.server.port = port;
  }

  if (command === "check") {
    console.log(
      `${configPath} is valid: ${Object.keys(config.providers).length} provider(s), models: ${config.models.map((m) => m.id).join(", ")}`,
    );
    return 0;
  }
  return serveUntilSignal(config, configPath);
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
  console.error(`toolshim listening on ${server.url} (OpenAI base URL: ${server.url}/v1; models: ${config.models.map((m) => m.id).join(", ")})`);

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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
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
  },
);
