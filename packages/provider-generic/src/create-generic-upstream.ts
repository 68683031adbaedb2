import { UpstreamError, type Upstream, type UpstreamModel } from "@toolshim/core";
import { type ProviderState, redactSecrets } from "@toolshim/core/provider-utils";
import { type GenericLogger, type GenericRuntime, GenericStream } from "./generic-stream.js";
import { genericProviderOptionsSchema, type GenericModelOptions, type GenericProviderOptions, type GenericProviderOptionsInput } from "./options.js";
import { SharedLearnedModes } from "./shared-learned-modes.js";
import { UpstreamCall } from "./upstream-call.js";
import { errorFromStatus, isToolsRejection, malformedError, upstreamMessage } from "./upstream-errors.js";
import type { WireModelList } from "./wire-types.js";

export type { GenericLogger } from "./generic-stream.js";

export interface GenericUpstreamDeps {
  /** Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Default: silent. */
  logger?: GenericLogger;
  /** Shared state (Redis with several gateway instances): models `auto` switched to emulation are shared there. */
  state?: ProviderState;
}

export interface GenericUpstream extends Upstream {
  toolMode(model: string): "native" | "emulate";
  noteToolsIgnored(model: string): void;
  /** Models that "auto" switched to emulation, with why (for /health and the console). */
  learnedEmulation(): ReadonlyMap<string, string>;
}

const noop = () => {};
const silent: GenericLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * An `Upstream` for any OpenAI-compatible `/v1/chat/completions` server (llama.cpp, vLLM, Ollama, LM Studio, hosted
 * APIs). Tools are passed natively, emulated by the engine, or (`auto`) native until the upstream rejects or ignores
 * them for a model, which is then remembered.
 */
export function createGenericUpstream(input: GenericProviderOptionsInput & GenericUpstreamDeps): GenericUpstream {
  const { fetch: fetchImpl = globalThis.fetch.bind(globalThis), logger = silent, state, ...rest } = input;
  const shared = state ? new SharedLearnedModes(state) : undefined;
  const runtime = createRuntime(genericProviderOptionsSchema.parse(rest), fetchImpl, logger, shared);
  const { provider, emulated } = runtime;
  const adopt = (model: string, reason: string) => runtime.learnEmulation(model, reason, false);
  if (shared) void shared.load(autoModels(runtime.options), adopt);

  return {
    name: provider,
    listModels: () => listModels(runtime),
    toolMode: runtime.toolMode,
    noteToolsIgnored(model) {
      if (runtime.configuredMode(model) === "auto") runtime.learnEmulation(model, "answered with tool-call markup in its text instead of native tool calls");
    },
    learnedEmulation: () => emulated,
    stream: (request, signal) => {
      if (shared && runtime.configuredMode(request.model) === "auto") shared.refresh(request.model, adopt);
      return new GenericStream(runtime, request, signal);
    },
    async close() {
      const reason = new UpstreamError(`Provider "${provider}" is shutting down.`, { status: 503, retryable: true, code: "provider_closed" });
      for (const call of runtime.active) call.cancel(reason);
    },
  };
}

type Runtime = GenericRuntime & { emulated: Map<string, string>; learnEmulation(model: string, reason: string, publish?: boolean): void };

/** The configured models in `auto` mode (discovered models are looked up when first requested). */
function autoModels(options: GenericProviderOptions): string[] {
  return (options.models ?? []).filter((model) => (model.tools ?? options.tools) === "auto").map((model) => model.id);
}

function createRuntime(options: GenericProviderOptions, fetch: typeof globalThis.fetch, logger: GenericLogger, shared?: SharedLearnedModes): Runtime {
  const provider = options.name;
  // Short values (a header "1") would turn ordinary words into "[redacted]" everywhere.
  const secrets = [options.apiKey, ...Object.values(options.headers ?? {})].filter((s): s is string => !!s && s.length >= 6);
  /** Models found to need emulation in "auto" mode, with why. */
  const emulated = new Map<string, string>();
  const modelConfig = (model: string): GenericModelOptions | undefined => options.models?.find((m) => m.id === model);
  const configuredMode = (model: string) => modelConfig(model)?.tools ?? options.tools;
  const redact = (text: string) => redactSecrets(text, secrets);

  const runtime: Runtime = {
    provider,
    options,
    baseURL: options.baseURL.replace(/\/+$/, ""),
    timeouts: typeof options.timeoutMs === "number" ? { firstByteMs: options.timeoutMs, idleMs: options.timeoutMs } : options.timeoutMs,
    fetch,
    logger,
    active: new Set<UpstreamCall>(),
    emulated,
    redact,
    modelConfig,
    configuredMode,
    toolMode(model) {
      const mode = configuredMode(model);
      if (mode !== "auto") return mode;
      return emulated.has(model) ? "emulate" : "native";
    },
    learnEmulation(model, reason, publish = true) {
      if (emulated.has(model)) return;
      emulated.set(model, reason);
      if (publish) shared?.publish(model, reason);
      logger.info({ provider, model, reason }, "tools: switching this model to emulation (auto mode)");
    },
    headers(accept) {
      const out: Record<string, string> = { accept, ...options.headers };
      if (options.apiKey) out.authorization = `Bearer ${options.apiKey}`;
      return out;
    },
    async failure(call, response, model, toolsSent) {
      const message = redact(upstreamMessage(await call.text(response).catch(() => "")));
      const context = { provider, model, toolsSent };
      if (isToolsRejection(response.status, message, context) && configuredMode(model) === "auto") {
        runtime.learnEmulation(model, `rejected native tools with HTTP ${response.status}: ${message}`);
        return new UpstreamError(`${provider} (model ${model}) does not accept native tools: ${message}`, {
          status: 400,
          retryable: true,
          code: "tools_unsupported",
          upstreamStatus: response.status,
        });
      }
      return errorFromStatus(response.status, response.headers, message, context);
    },
    logFailure(error, model, requestId) {
      const fields = { provider, model, requestId, status: error.status, upstreamStatus: error.upstreamStatus, code: error.code };
      logger.warn(fields, redact(error.message));
    },
  };
  return runtime;
}

async function listModels(runtime: Runtime): Promise<UpstreamModel[]> {
  const { options } = runtime;
  const ids = options.models ? options.models.map((m) => m.id) : await discoverModels(runtime);
  return ids.map((id) => {
    const config = runtime.modelConfig(id);
    return {
      id,
      capabilities: {
        nativeTools: runtime.toolMode(id) === "native",
        reasoning: config?.reasoning ?? false,
        systemRole: config?.systemRole ?? true,
        vision: config?.vision ?? false,
      },
    };
  });
}

async function discoverModels(runtime: Runtime): Promise<string[]> {
  const { provider, redact } = runtime;
  const call = new UpstreamCall(new AbortController().signal, runtime.timeouts, provider);
  runtime.active.add(call);
  try {
    const response = await call.fetch(runtime.fetch, `${runtime.baseURL}/models`, { method: "GET", headers: runtime.headers("application/json") });
    if (!response.ok) throw await runtime.failure(call, response, "(model list)", false);
    const text = await call.text(response);
    let parsed: WireModelList | null;
    try {
      parsed = JSON.parse(text) as WireModelList | null;
    } catch {
      throw malformedError(provider, `the model list is not JSON: ${redact(text.slice(0, 200))}`);
    }
    // OpenAI shape {data:[{id}]}; Ollama's native /api/tags shape {models:[{name}]} when baseURL was set without /v1.
    const ids: unknown[] = Array.isArray(parsed?.data) ? parsed.data.map((e) => e?.id) : Array.isArray(parsed?.models) ? parsed.models.map((e) => e?.name) : [];
    return ids.filter((id): id is string => typeof id === "string" && id !== "");
  } catch (error) {
    if (error instanceof UpstreamError) runtime.logFailure(error, "(model list)");
    throw error;
  } finally {
    runtime.active.delete(call);
    call.dispose();
  }
}
