import { createGenericUpstream, genericProviderOptionsSchema } from "@toolshim/provider-generic";
import { strictShape } from "../config/config-schema.js";
import { defineProviderKind, type ProviderHealth } from "./provider-kind.js";

// The provider's name is its key in the config file, so it is not an option here; unknown keys are typos.
// `timeoutMs` loses its default: unset, the provider's own timers follow the server's `timeouts` for it.
const { name: _name, timeoutMs, ...shape } = genericProviderOptionsSchema.shape;
export const genericOptionsSchema = strictShape({ ...shape, timeoutMs: timeoutMs.unwrap().optional() });

const HEALTH_TIMEOUT_MS = 3_000;
const HEALTH_CACHE_MS = 10_000;

/** `use: generic`: any OpenAI-compatible server (llama.cpp, LM Studio, Ollama, vLLM, hosted APIs). */
export const genericProvider = defineProviderKind({
  options: genericOptionsSchema,
  create(options, deps) {
    // Both the provider's timers and the server's watch then give up at the same limits, with the same wording.
    const timeouts = options.timeoutMs ?? { firstByteMs: deps.timeouts.firstByteMs, idleMs: deps.timeouts.idleMs };
    const upstream = createGenericUpstream({ ...options, timeoutMs: timeouts, name: deps.name, fetch: deps.fetch, logger: deps.logger });
    const modelsUrl = `${options.baseURL.replace(/\/+$/, "")}/models`;
    let last: { at: number; health: Promise<ProviderHealth> } | undefined;

    // Reachability of the upstream's model list: an answer at all means the server is up; a non-2xx (a bad key, a
    // server without /models) is worth showing but not fatal.
    const probe = async (): Promise<ProviderHealth> => {
      try {
        const headers: Record<string, string> = { ...options.headers };
        if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
        const response = await deps.fetch(modelsUrl, { headers, signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
        await response.body?.cancel();
        return response.ok ? { status: "ok" } : { status: "degraded", upstreamStatus: response.status };
      } catch (error) {
        return { status: "down", error: `cannot reach ${options.baseURL}: ${(error as Error).message}` };
      }
    };

    return Object.assign(upstream, {
      health() {
        if (!last || performance.now() - last.at > HEALTH_CACHE_MS) last = { at: performance.now(), health: probe() };
        return last.health;
      },
    });
  },
});
