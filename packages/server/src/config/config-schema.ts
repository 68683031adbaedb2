import { strictSettings } from "@toolshim/core/provider-utils";
import { z } from "zod";

// A strict object whose unknown-key message lists the allowed keys: the same rule as a provider's settings.
const strictShape = strictSettings;

// Values interpolated from the environment arrive as strings: accept "8080" where a number is expected.
const numberFromText = (value: unknown) =>
  typeof value === "string" && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
const booleanFromText = (value: unknown) =>
  value === "true" ? true : value === "false" ? false : value;

const positiveInt = z.preprocess(numberFromText, z.number().int().positive());
const port = z.preprocess(numberFromText, z.number().int().min(0).max(65535));
const flag = z.preprocess(booleanFromText, z.boolean());

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?\s*$/i;
const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** `10mb`, `512kb`, `1048576`. */
const byteSize = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return value;
  const match = SIZE.exec(value);
  if (!match) {
    ctx.addIssue({ code: "custom", message: `expected a size such as 10mb, 512kb or a number of bytes, got "${value}"` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * UNITS[(match[2] ?? "b").toLowerCase()]!);
});

const apiKey = z
  .string()
  .min(1, "an empty API key would let anyone in; remove the entry or set the variable it comes from");

export const serverSchema = strictShape({
  host: z.string().min(1).default("127.0.0.1"),
  port: port.default(8686),
  /** Keys clients must send as `Authorization: Bearer <key>` or `x-api-key`. None: the server is open. */
  apiKeys: z.array(apiKey).default([]),
  /**
   * Named API keys (accepted like apiKeys) with optional limits, enforced across instances when state is on Redis:
   * requestsPerMinute, tokensPerMinute (input + output, counted when a request ends), concurrentStreams (requests in
   * progress; a stream counts until its last byte). Over a limit: 429 with retry-after.
   */
  keys: z
    .array(
      strictShape({
        name: z.string().regex(/^[\w.-]{1,64}$/, "use letters, digits, '.', '-' or '_' (at most 64)"),
        key: apiKey,
        requestsPerMinute: positiveInt.optional(),
        tokensPerMinute: positiveInt.optional(),
        concurrentStreams: positiveInt.optional(),
      }),
    )
    .default([]),
  bodyLimit: byteSize.default(10 * 1024 ** 2),
  cors: strictShape({
    /** Origins allowed to call from a browser; ["*"] for any. Default: any when apiKeys are set, none otherwise. */
    origins: z.array(z.string().min(1)).optional(),
  }).default({}),
  /** Send an SSE comment when a stream has been silent this long (0 turns keep-alives off). */
  keepAliveMs: z.preprocess(numberFromText, z.number().int().min(0)).default(15_000),
  /** Default first-byte and idle timeout of every provider (see providerTimeoutsSchema): 504 or a stream error. */
  requestTimeoutMs: positiveInt.default(120_000),
  /**
   * On SIGTERM/SIGINT, how long running responses may go on before they are ended with `server_shutting_down` (a 503,
   * or an error event that ends a stream).
   */
  shutdownGraceMs: z.preprocess(numberFromText, z.number().int().min(0)).default(5_000),
  /**
   * Memory shared by the provenance indexes of all requests in flight (the check that keeps call markup copied from
   * tool results as text). A request whose index does not fit is answered with only the nonce marker making calls.
   */
  provenanceMemory: byteSize.default(256 * 1024 ** 2),
});

/**
 * `providers.<name>.timeouts`, read by the server for every provider kind (the provider's own schema never sees it).
 * Measured in bytes received from the upstream; unset limits come from `server.requestTimeoutMs` (first byte, idle)
 * and 30 minutes (total).
 */
export const providerTimeoutsSchema = strictShape({
  /** From asking the provider for an answer to the upstream's first byte. */
  firstByteMs: positiveInt.optional(),
  /** The longest gap between two bytes once the answer has started. */
  idleMs: positiveInt.optional(),
  /** The longest one answer may take, however steadily bytes arrive; 0: no limit. */
  totalMs: z.preprocess(numberFromText, z.number().int().min(0)).optional(),
});
export type ProviderTimeoutsConfig = z.output<typeof providerTimeoutsSchema>;

/** Before the provider's own schema runs: only `use` is known here. */
export const providerEntrySchema = z.looseObject({
  use: z.string({ error: "is required: the provider kind, e.g. use: generic" }),
});

export const modelSchema = strictShape({
  /** The id clients send as `model` and see in /v1/models. */
  id: z.string().min(1),
  /** A key of `providers`. */
  provider: z.string().min(1),
  /** The upstream's own model id (default: the same as `id`). */
  upstreamModel: z.string().min(1).optional(),
  /** `owned_by` in /v1/models (default: the provider's name). */
  ownedBy: z.string().min(1).optional(),
  /** Overrides the upstream's capability: false folds system text into the first user turn. */
  systemRole: flag.optional(),
  /** Send each tool call's complete arguments in its opening delta (safest for LobeChat and pi-ai/OpenClaw). */
  argumentsInOneDelta: flag.optional(),
  /** The upstream's chat template opens `<think>` itself: its output starts inside reasoning. */
  reasoningOpen: flag.optional(),
  /** False: only toolshim's nonce marker makes a call; Hermes, DeepSeek-token and other formats stay text. */
  foreignFormats: flag.optional(),
});

export const loggingSchema = strictShape({
  level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Human-readable logs. Default: when stdout is a terminal. */
  pretty: flag.optional(),
});

// --- storage and responses: stored Responses (previous_response_id, item_reference, GET /v1/responses/{id}) ---
export const storageSchema = strictShape({
  /** "sqlite": a file in `dir` that survives restarts (Node 22.5+); "memory": lost on restart. */
  kind: z.enum(["sqlite", "memory"]).default("sqlite"),
  /** Data directory, relative to the working directory. */
  dir: z.string().min(1).default("./.toolshim-data/"),
  /** Responses older than this many days are deleted. */
  maxAgeDays: z.preprocess(numberFromText, z.number().positive()).default(30),
  /** At most this many responses are kept; the oldest go first. */
  maxResponses: positiveInt.default(10_000),
  /** At most this much stored JSON (`256mb`, `1gb`, or bytes); the oldest go first. */
  maxBytes: byteSize.default(256 * 1024 ** 2),
});

// The Responses API (/v1/responses).
export const responsesSchema = strictShape({
  /**
   * Hosted tools (web_search, file_search, code_interpreter, …), which run on OpenAI's servers and cannot be emulated:
   * "ignore" leaves them out (Codex declares web_search on every request), "reject" answers 400. Function, custom and
   * namespace tools are always emulated.
   */
  unsupportedTools: z.enum(["reject", "ignore"]).default("ignore"),
});
// --- end storage and responses ---

// --- shared state: several gateway instances on one Redis (see apps/docs/scaling.md) ---
export const stateSchema = strictShape({
  /** "embedded": this process alone (responses per `storage`, accounts in memory); "redis": shared by every instance. */
  kind: z.enum(["embedded", "redis"]).default("embedded"),
  /** `redis://[user:password@]host:6379[/db]` (or `rediss://` for TLS); write a password as ${VAR}. Required for redis. */
  url: z.string().regex(/^rediss?:\/\//, "use a redis:// or rediss:// URL").optional(),
  /** Start of every key, so several deployments can share one Redis. */
  keyPrefix: z.string().min(1).default("toolshim"),
  /** How long startup waits for Redis before failing. */
  connectTimeoutMs: positiveInt.default(5_000),
  /**
   * Encrypts the login tokens kept on Redis (AES-256-GCM; the same on every instance); write it as ${VAR}. Without
   * it, DeepSeek and Qwen tokens stay in each instance and each instance signs in on its own.
   */
  secret: z.string().min(32, "use at least 32 characters (e.g. openssl rand -hex 32) so the key cannot be guessed").optional(),
}).refine((value) => value.kind !== "redis" || value.url !== undefined, {
  message: "state.url is required when state.kind is redis (e.g. url: redis://127.0.0.1:6379)",
  path: ["url"],
});
// --- end shared state ---

// --- console: the web console at /console (see apps/docs/console.md) ---
export const consoleSchema = strictShape({
  /** Serve /console and keep traces of recent requests. Off by default. */
  enabled: flag.default(false),
  /** The console's own login key (not one of server.apiKeys); write it as ${VAR}. Required when enabled. */
  adminKey: z.string().min(16, "use at least 16 characters (e.g. openssl rand -hex 16) so the key cannot be guessed").optional(),
  /** At most this many traces are kept; the oldest go first. */
  maxTraces: positiveInt.default(200),
  /** At most this much trace data (`16mb`, bytes); the oldest traces go first. */
  maxTraceBytes: byteSize.default(16 * 1024 ** 2),
}).refine((value) => !value.enabled || value.adminKey !== undefined, {
  message: "console.adminKey is required when the console is enabled (e.g. adminKey: ${TOOLSHIM_CONSOLE_KEY})",
  path: ["adminKey"],
});
// --- end console ---

export const configSchema = strictShape({
  server: serverSchema.default(serverSchema.parse({})),
  providers: z.record(z.string().min(1), providerEntrySchema),
  models: z.array(modelSchema).min(1, "define at least one model clients can use"),
  logging: loggingSchema.default(loggingSchema.parse({})),
  storage: storageSchema.default(storageSchema.parse({})),
  responses: responsesSchema.default(responsesSchema.parse({})),
  console: consoleSchema.default(consoleSchema.parse({})),
  state: stateSchema.default(stateSchema.parse({})),
});

export type RawConfig = z.output<typeof configSchema>;
export type ServerConfig = z.output<typeof serverSchema>;
export type ModelConfig = z.output<typeof modelSchema>;
export type LoggingConfig = z.output<typeof loggingSchema>;
export type StorageConfig = z.output<typeof storageSchema>;
export type ResponsesConfig = z.output<typeof responsesSchema>;
export type ConsoleConfig = z.output<typeof consoleSchema>;
export type StateConfig = z.output<typeof stateSchema>;
