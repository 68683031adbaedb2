import type { ToolshimConfig } from "../config/load-config.js";

export interface BannerOptions {
  url: string;
  config: ToolshimConfig;
  configPath: string | undefined;
  /** toolshim's own version. */
  version: string;
  write?: (line: string) => void;
  fetch?: typeof globalThis.fetch;
}

/** How long the banner waits for the server's own /health before saying the providers could not be checked. */
const REACHABILITY_WAIT_MS = 10_000;

/**
 * The lines a person sees when `toolshim serve` starts: where to point a client, the models, whether a key is needed.
 * The first line is stable (`toolshim listening on <url> …`): scripts and tests wait for it.
 */
export function bannerLines({ url, config, configPath, version }: BannerOptions): string[] {
  const models = config.models.map((m) => m.id);
  const keys = config.server.apiKeys.length;
  return [
    `toolshim listening on ${url} (OpenAI base URL: ${url}/v1; models: ${models.join(", ")})`,
    `  version:   toolshim ${version} on Node.js ${process.versions.node}`,
    `  config:    ${configPath ?? "none (the built-in demo model; give one with --config or TOOLSHIM_CONFIG)"}`,
    ...config.models.map((m) => `  model:     ${m.id} → provider ${m.provider}${m.upstreamModel !== m.id ? ` (upstream model ${m.upstreamModel})` : ""}`),
    keys
      ? `  auth:      on (${keys} key${keys > 1 ? "s" : ""}; clients send Authorization: Bearer <key> or x-api-key)`
      : "  auth:      off (any client that can reach this address may use it; set server.apiKeys or TOOLSHIM_API_KEYS)",
  ];
}

/**
 * Prints the banner, then asks the server's own /health in the background and prints one line per provider, so a
 * slow or unreachable upstream never delays the start.
 */
export function printBanner(options: BannerOptions): Promise<void> {
  const write = options.write ?? ((line: string) => console.error(line));
  for (const line of bannerLines(options)) write(line);
  return reachability(options).then((lines) => {
    for (const line of lines) write(line);
  });
}

interface HealthBody {
  providers?: Record<string, { status?: string; error?: string; note?: string }>;
}

/** /health answers at once with what its background probes know; a first probe still running is asked again. */
const STILL_RUNNING = "first check still running";

async function reachability(options: BannerOptions): Promise<string[]> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  try {
    // /health gives provider details only to a client with a key; the banner asks as one (the key never leaves the host).
    const key = options.config.server.apiKeys[0];
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const signal = AbortSignal.timeout(REACHABILITY_WAIT_MS);
    let body: HealthBody;
    for (;;) {
      body = (await (await fetchImpl(`${options.url}/health`, { headers, signal })).json()) as HealthBody;
      if (!Object.values(body.providers ?? {}).some((health) => health.note === STILL_RUNNING)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
      signal.throwIfAborted();
    }
    return Object.entries(body.providers ?? {}).map(([name, health]) => {
      const status = health.status ?? "unknown";
      const what = status === "ok" ? "reachable" : status === "unknown" ? "not checked (this provider kind has no health probe)" : status;
      return `  provider:  ${name} ${what}${health.error ? ` (${health.error})` : ""}`;
    });
  } catch (error) {
    return [`  provider:  reachability not checked (${error instanceof Error ? error.message : String(error)})`];
  }
}
