import { defineProvider, type ProviderContext, type ProviderHealth, strictSettings } from "@toolshim/core/provider-utils";
import { createGenericUpstream } from "./create-generic-upstream.js";
import { genericProviderOptionsSchema } from "./options.js";

// The provider's name is its key in the config file, so it is not a setting; unknown keys are typos.
// `timeoutMs` loses its default: unset, the provider's own timers follow the host's timeouts for it.
const { name: _name, timeoutMs, ...shape } = genericProviderOptionsSchema.shape;
export const genericSettingsSchema = strictSettings({ ...shape, timeoutMs: timeoutMs.unwrap().optional() });

const HEALTH_TIMEOUT_MS = 3_000;
const HEALTH_CACHE_MS = 10_000;

/** `use: generic`: any OpenAI-compatible server (llama.cpp, LM Studio, Ollama, vLLM, hosted APIs). */
export const genericProvider = defineProvider({
  specificationVersion: "v1",
  name: "generic",
  description: "any OpenAI-compatible chat completions server, with native, emulated or auto tool calling",
  settings: genericSettingsSchema,
  create(settings, context) {
    // Both the provider's timers and the server's watch then give up at the same limits, with the same wording.
    const timeouts = settings.timeoutMs ?? { firstByteMs: context.timeouts.firstByteMs, idleMs: context.timeouts.idleMs };
    const upstream = createGenericUpstream({ ...settings, timeoutMs: timeouts, name: context.name, fetch: context.fetch, logger: context.logger, state: context.state });
    const probe = cachedProbe(() => probeModels(settings, context));
    return Object.assign(upstream, {
      async health(): Promise<ProviderHealth> {
        const health = await probe();
        const learned = Object.fromEntries(upstream.learnedEmulation());
        return Object.keys(learned).length ? { ...health, emulatedModels: learned } : health;
      },
    });
  },
});

/** One probe at a time, its answer kept for HEALTH_CACHE_MS: /health is polled, the upstream should not be. */
function cachedProbe(probe: () => Promise<ProviderHealth>): () => Promise<ProviderHealth> {
  let last: { at: number; health: Promise<ProviderHealth> } | undefined;
  return () => {
    if (!last || performance.now() - last.at > HEALTH_CACHE_MS) last = { at: performance.now(), health: probe() };
    return last.health;
  };
}

/**
 * Reachability of the upstream's model list: an answer at all means the server is up; a non-2xx (a bad key, a server
 * without /models) is worth showing but not fatal.
 */
async function probeModels(settings: { baseURL: string; apiKey?: string; headers?: Record<string, string> }, context: ProviderContext): Promise<ProviderHealth> {
  try {
    const headers: Record<string, string> = { ...settings.headers };
    if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
    const response = await context.fetch(`${settings.baseURL.replace(/\/+$/, "")}/models`, { headers, signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    await response.body?.cancel();
    return response.ok ? { status: "ok" } : { status: "degraded", upstreamStatus: response.status };
  } catch (error) {
    return { status: "down", error: `cannot reach ${settings.baseURL}: ${(error as Error).message}` };
  }
}
