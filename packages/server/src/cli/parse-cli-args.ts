import { parseArgs } from "node:util";
import { didYouMean } from "../config/did-you-mean.js";

/** A mistake on the command line: the message, then the usage text, exit code 2. */
export class UsageError extends Error {}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CliOverrides {
  host?: string;
  port?: number;
  apiKeys?: string[];
  logLevel?: LogLevel;
  pretty?: boolean;
}

export interface CliArgs {
  command: "serve" | "check" | "help" | "version";
  configPath?: string;
  /** Settings from flags, else from TOOLSHIM_* variables; they win over the config file. */
  overrides: CliOverrides;
}

const OPTIONS = {
  config: { type: "string", short: "c" },
  host: { type: "string" },
  port: { type: "string", short: "p" },
  "log-level": { type: "string" },
  pretty: { type: "boolean" },
  "no-pretty": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

const COMMANDS = ["serve", "check"] as const;

/** The environment variables the CLI reads, for the help text and the docs. */
export const ENVIRONMENT = {
  TOOLSHIM_CONFIG: "config file (like --config)",
  TOOLSHIM_HOST: "listen address (like --host)",
  TOOLSHIM_PORT: "listen port (like --port)",
  TOOLSHIM_API_KEYS: "comma-separated keys clients must send (replaces server.apiKeys)",
  TOOLSHIM_LOG_LEVEL: "log level (like --log-level)",
  TOOLSHIM_LOG_PRETTY: "true or false (like --pretty / --no-pretty)",
  TOOLSHIM_SEMI_SPACE_MB: "V8 young generation, MB per semi-space (default 16; node: V8's own)",
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** Flags first, then TOOLSHIM_* variables; an unknown flag or command gets a "did you mean". */
export function parseCliArgs(argv: readonly string[], env: Env = process.env): CliArgs {
  rejectUnknownFlags(argv);
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return { command: "help", overrides: {} };
  if (values.version) return { command: "version", overrides: {} };

  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError("missing command: serve or check");
  if (command !== "serve" && command !== "check") {
    const guess = didYouMean(command, COMMANDS);
    throw new UsageError(`unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ""}`);
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);

  // A flag wins over its variable; `from` names whichever was used, for the error message.
  const pick = (flag: string | undefined, flagName: string, variable: keyof typeof ENVIRONMENT) =>
    flag !== undefined ? { value: flag, from: flagName } : env[variable] ? { value: env[variable], from: variable } : undefined;

  const overrides: CliOverrides = {};
  const host = pick(values.host, "--host", "TOOLSHIM_HOST");
  if (host) overrides.host = host.value;
  const port = pick(values.port, "--port", "TOOLSHIM_PORT");
  if (port) overrides.port = parsePort(port.value, port.from);
  const level = pick(values["log-level"], "--log-level", "TOOLSHIM_LOG_LEVEL");
  if (level) overrides.logLevel = parseLevel(level.value, level.from);
  const pretty = values.pretty ? true : values["no-pretty"] ? false : parsePretty(env.TOOLSHIM_LOG_PRETTY);
  if (pretty !== undefined) overrides.pretty = pretty;
  if (env.TOOLSHIM_API_KEYS) overrides.apiKeys = parseApiKeys(env.TOOLSHIM_API_KEYS);

  return { command, configPath: values.config ?? (env.TOOLSHIM_CONFIG || undefined), overrides };
}

function rejectUnknownFlags(argv: readonly string[]): void {
  const long = Object.keys(OPTIONS);
  const short: string[] = Object.values(OPTIONS).flatMap((option) => ("short" in option ? [option.short] : []));
  for (const arg of argv) {
    if (arg === "--") return;
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0]!;
      if (long.includes(name)) continue;
      const guess = didYouMean(name, long);
      throw new UsageError(`unknown option "--${name}"${guess ? `; did you mean "--${guess}"?` : ""}`);
    }
    if (/^-[^-]/.test(arg) && !short.includes(arg[1]!)) throw new UsageError(`unknown option "${arg.slice(0, 2)}"`);
  }
}

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${from} must be a number from 0 to 65535, got "${text}"`);
  }
  return port;
}

function parseLevel(text: string, from: string): LogLevel {
  const level = text.toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  const guess = didYouMean(level, LOG_LEVELS);
  throw new UsageError(`${from} must be one of ${LOG_LEVELS.join(", ")}, got "${text}"${guess ? `; did you mean "${guess}"?` : ""}`);
}

function parsePretty(text: string | undefined): boolean | undefined {
  if (text === undefined || text === "") return undefined;
  if (/^(1|true|yes|on)$/i.test(text)) return true;
  if (/^(0|false|no|off)$/i.test(text)) return false;
  throw new UsageError(`TOOLSHIM_LOG_PRETTY must be true or false, got "${text}"`);
}

function parseApiKeys(text: string): string[] {
  const keys = text.split(",").map((key) => key.trim());
  // An empty entry would silently open the server: say so instead.
  if (keys.some((key) => key === "")) {
    throw new UsageError('TOOLSHIM_API_KEYS has an empty entry; give comma-separated keys, e.g. "key1,key2", or unset it');
  }
  return keys;
}
