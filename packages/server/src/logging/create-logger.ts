import pino, { type DestinationStream, type Logger } from "pino";
import { createPrettyStream } from "./pretty-lines.js";
import { createRedactor, REDACTED } from "./redact-secrets.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  level: string;
  /** One human-readable line per record instead of JSON. Default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where JSON lines go. Default: stdout. */
  destination?: DestinationStream;
  /** Values that must never appear in a log line (API keys, provider credentials), wherever they turn up. */
  secrets?: readonly string[];
}

// Paths where credentials are known to travel: request/response headers and provider options. The secret scrubber
// below catches the same values anywhere else (an error message quoting a token, a provider logging its request).
const SECRET_KEYS = ["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "apiKey", "apiKeys", "api_key", "token", "password", "secret"];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const access = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  const topLevel = access.startsWith(".") ? [key] : [];
  return [...topLevel, `headers${access}`, `*${access}`, `*.headers${access}`, `*.*.headers${access}`];
});

function flatten(value: object): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "[unserialisable]";
  }
}

/** pino, with credentials redacted by key and by value, pretty-printed for humans at a terminal. */
export function createLogger(options: LoggerOptions): Logger {
  // Every configured secret, whatever its length (see createRedactor for how short ones are matched).
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0);
  const scrub = createRedactor(secrets);
  const scrubDeep = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return secrets.length ? scrub(value) : value;
    if (value === null || typeof value !== "object") return value;
    // Deeper than anything toolshim logs on purpose: flattened to text, so a secret down there is still scrubbed.
    if (depth > 6) return scrub(flatten(value));
    if (value instanceof Error) {
      return { type: value.name, message: scrub(value.message), stack: value.stack && scrub(value.stack), ...scrubDeep({ ...value }, depth + 1) as object };
    }
    if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubDeep(item, depth + 1)]));
  };

  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (usePretty ? createPrettyStream({ colors: process.stdout.isTTY === true && !process.env.NO_COLOR }) : pino.destination(1));

  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: { log: (object) => (secrets.length ? (scrubDeep(object, 0) as Record<string, unknown>) : object) },
      hooks: {
        logMethod(args, method) {
          if (secrets.length) args = args.map((arg) => (typeof arg === "string" ? scrub(arg) : arg)) as typeof args;
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
}
