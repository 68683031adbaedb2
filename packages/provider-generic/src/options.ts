import { z } from "zod";

/** How a model gets tools: passed through natively, emulated in the prompt, or native until the upstream shows it can't. */
export const toolModeSchema = z.enum(["emulate", "native", "auto"]);
export type ToolModeSetting = z.infer<typeof toolModeSchema>;

export const genericModelSchema = z.object({
  /** The upstream's own model id (what `/v1/models` of the upstream lists). */
  id: z.string().min(1),
  /** Overrides the provider-wide `tools` for this model. */
  tools: toolModeSchema.optional(),
  /** False when the model's chat template has no system role; system text is then folded into the first user turn. */
  systemRole: z.boolean().optional(),
  /** Send `developer` messages with role `developer` instead of `system` (only for upstreams that know the role). */
  developerRole: z.boolean().optional(),
  /** The model produces reasoning (informational: listed in capabilities). */
  reasoning: z.boolean().optional(),
  /** The model accepts images. */
  vision: z.boolean().optional(),
});
export type GenericModelOptions = z.infer<typeof genericModelSchema>;

// Config values interpolated from the environment (`${LLM_TIMEOUT}`) arrive as strings.
const numberFromText = (value: unknown) => (typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value);
const booleanFromText = (value: unknown) => (value === "true" ? true : value === "false" ? false : value);
const milliseconds = z.preprocess(numberFromText, z.number().int().positive());

const timeoutSchema = z.union([
  milliseconds,
  z.object({
    /** From sending the request to the response headers (prompt processing happens here on most servers). */
    firstByteMs: milliseconds,
    /** The longest silence allowed between two pieces of the response body. */
    idleMs: milliseconds,
  }),
]);

/** The options of a generic provider; the server puts them under `providers.<name>` in its config file. */
export const genericProviderOptionsSchema = z.object({
  /** Shown in logs and errors. The server sets it to the provider's key in the config. */
  name: z.string().min(1).default("generic"),
  /** The OpenAI-compatible base URL, usually ending in `/v1` (e.g. `http://127.0.0.1:8080/v1`). */
  baseURL: z.url({ protocol: /^https?$/ }),
  /** Sent as `Authorization: Bearer <apiKey>`. Never logged. */
  apiKey: z.string().min(1).optional(),
  /** Extra request headers (e.g. for a proxy in front of the upstream). */
  headers: z.record(z.string(), z.string()).optional(),
  /** Default tool mode for every model; models can override it. */
  tools: toolModeSchema.default("auto"),
  /** The models to serve. When absent they are discovered from the upstream's `/v1/models`. */
  models: z.array(genericModelSchema).min(1).optional(),
  /** A number sets both the first-byte and the idle timeout. Default 120 s each. */
  timeoutMs: timeoutSchema.default(120_000),
  /** Ask the upstream for a streamed response (SSE). False: one JSON response, turned into the same events. */
  stream: z.preprocess(booleanFromText, z.boolean()).default(true),
});

export type GenericProviderOptions = z.infer<typeof genericProviderOptionsSchema>;
export type GenericProviderOptionsInput = z.input<typeof genericProviderOptionsSchema>;
