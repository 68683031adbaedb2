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

// Keys under which credentials are known to travel (request/response headers, provider options): their values are
// replaced at any depth, whatever their case. The secret scrubber below catches the same values anywhere else (an error
// message quoting a token, a provider logging its request). One walk of each line does both: pino's own path-based
// redaction, with the wildcard paths this needed, cost ~120 µs per line (measured), most of a request's log cost.
const SECRET_KEYS = new Set(
  ["authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "apiKey", "apiKeys", "api_key", "token", "password", "secret"].map(
    (key) => key.toLowerCase(),
  ),
);

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
  const scrubText = (text: string): string => (secrets.length ? scrub(text) : text);
  const scrubDeep = (value: unknown, depth: number): unknown => {
    if (typeof value === "string") return scrubText(value);
    if (value === null || typeof value !== "object") return value;
    // Deeper than anything toolshim logs on purpose: flattened to text, so a secret down there is still scrubbed.
    if (depth > 6) return scrub(flatten(value));
    if (value instanceof Error) {
      // A copy with the error's prototype, so pino's error serializer still names its class.
      const copy = Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, scrubDeep({ ...value }, depth + 1) as object);
      copy.message = scrubText(value.message);
      if (value.stack !== undefined) copy.stack = scrubText(value.stack);
      if (value.cause !== undefined) copy.cause = scrubDeep(value.cause, depth + 1);
      return copy;
    }
    if (Array.isArray(value)) return value.map((item) => scrubDeep(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = SECRET_KEYS.has(key.toLowerCase()) && item !== undefined ? REDACTED : scrubDeep(item, depth + 1);
    return out;
  };

  const usePretty = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination ??
    (usePretty ? createPrettyStream({ colors: process.stdout.isTTY === true && !process.env.NO_COLOR }) : pino.destination(1));

  const logger = pino(
    {
      level: options.level,
      formatters: { log: (object) => scrubDeep(object, 0) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          if (secrets.length) args = args.map((arg) => (typeof arg === "string" ? scrub(arg) : arg)) as typeof args;
          return method.apply(this, args);
        },
      },
    },
    destination,
  );
  // A child's bindings are written on each of its lines without going through the log formatter: scrubbed once, when
  // the child is made. Children are made from their parent's object, so theirs inherit this method too.
  const child = logger.child;
  logger.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, scrubDeep(bindings, 0) as pino.Bindings, childOptions);
  } as Logger["child"];
  return logger;
}
