import { type ChatCompletionContext, type CompletionStats, ProvenanceBudget } from "@toolshim/core";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { ToolshimConfig } from "./config/load-config.js";
import type { ErrorRenderer } from "./http/error-response.js";
import type { ServerEnv } from "./http/server-env.js";
import type { ServerUpstream } from "./providers/provider-kind.js";
import { collectSecrets } from "./logging/collect-secrets.js";
import { createRedactor } from "./logging/redact-secrets.js";
import { InFlightCalls } from "./upstream/in-flight-calls.js";
import { ModelCatalog, type CatalogEntry } from "./upstream/model-catalog.js";
import { newCallRecord, type UpstreamCallRecord } from "./upstream/upstream-call.js";
import { resolveTimeouts } from "./upstream/upstream-timeouts.js";
import { watchUpstream } from "./upstream/watch-upstream.js";

/** What the app gives every route module. */
export interface ServerContext {
  config: ToolshimConfig;
  logger: Logger;
  catalog: ModelCatalog;
  /** The providers by config name. */
  upstreams: ReadonlyMap<string, ServerUpstream>;
  /** Unix seconds when the server started (`created` of listed models). */
  startedAt: number;
  /**
   * Error shapes by path prefix, first match wins; requests elsewhere get OpenAI's shape. A route module of another
   * wire API pushes its renderer here when it registers (e.g. Anthropic's shape for `/v1/messages`).
   */
  errorRenderers: { prefix: string; render: ErrorRenderer }[];
  /** Upstream calls in flight and the shutdown state (new requests get 503 while draining). */
  inFlight: InFlightCalls;
  /** Replaces every configured secret (API keys, provider credentials) in a text by `[redacted]`. */
  redact: (text: string) => string;
  /** Resolves `model` (400/404 when missing/unknown) and builds the engine context for this request. */
  prepareCall(c: Context<ServerEnv>, model: unknown): Promise<PreparedCall>;
}

export interface PreparedCall {
  entry: CatalogEntry;
  /** Pass to createChatCompletion / runEngine. Its signal fires when the client goes away. */
  context: ChatCompletionContext;
  record: UpstreamCallRecord;
  /** Log fields describing the upstream side so far (statuses, timings, attempts). */
  upstreamFields(): Record<string, unknown>;
}

export function createServerContext(
  config: ToolshimConfig,
  logger: Logger,
  upstreams: ReadonlyMap<string, ServerUpstream>,
  inFlight: InFlightCalls = new InFlightCalls(),
): ServerContext {
  const catalog = new ModelCatalog(config.models, upstreams);
  const redact = createRedactor(collectSecrets(config));
  // One budget for every request this server runs: it is what bounds the indexes' memory across concurrent requests.
  const provenanceBudget = new ProvenanceBudget(config.server.provenanceMemory);
  return {
    config,
    logger,
    catalog,
    upstreams,
    startedAt: Math.floor(Date.now() / 1000),
    errorRenderers: [],
    inFlight,
    redact,
    async prepareCall(c, model) {
      const entry = catalog.resolve(model);
      const log = c.get("requestLog");
      log.set({ model: entry.id, provider: entry.providerName, upstreamModel: entry.model.upstreamModel });

      const systemRole = entry.model.systemRole ?? (await catalog.capabilities(entry))?.systemRole ?? true;
      const record = newCallRecord();
      const abort = new AbortController();
      const clientSignal = c.req.raw.signal;
      const onClientGone = () => {
        abort.abort(clientSignal.reason ?? new Error("client disconnected"));
        log.set({ clientAborted: true });
      };
      if (clientSignal.aborted) onClientGone();
      else clientSignal.addEventListener("abort", onClientGone, { once: true });

      const context: ChatCompletionContext = {
        upstream: watchUpstream(entry.upstream, {
          name: entry.providerName,
          timeouts: resolveTimeouts(config.providers[entry.providerName], config.server.requestTimeoutMs),
          record,
          elapsed: () => log.elapsed(),
          inFlight,
          redact,
        }),
        upstreamModel: entry.model.upstreamModel,
        signal: abort.signal,
        requestId: c.get("requestId"),
        systemRole,
        provenanceBudget,
      };
      if (entry.model.argumentsInOneDelta !== undefined) context.argumentsInOneDelta = entry.model.argumentsInOneDelta;
      if (entry.model.reasoningOpen !== undefined) context.reasoningOpen = entry.model.reasoningOpen;
      if (entry.model.foreignFormats !== undefined) context.foreignFormats = entry.model.foreignFormats;
      const trace = c.get("trace");
      if (trace) {
        context.trace = trace;
        trace.summary.model = entry.id;
      }
      return {
        entry,
        context,
        record,
        upstreamFields: () => ({
          upstreamStatus: record.upstreamStatus,
          upstreamFirstEventMs: record.firstEventMs,
          // More than one call means the engine asked again after a reply that broke the tool rules.
          upstreamAttempts: record.attempts > 1 ? record.attempts : undefined,
          upstreamHttpRequests: record.httpRequests > 1 ? record.httpRequests : undefined,
          upstreamBytes: record.bytes || undefined,
          // The request log then says what the client was given (see RequestLog.write).
          shutdown: record.shutdown || undefined,
        }),
      };
    },
  };
}

/** The engine's statistics as log fields. */
export function statsFields(stats: CompletionStats): Record<string, unknown> {
  return {
    mode: stats.mode,
    toolCalls: stats.toolCalls,
    finishReason: stats.finishReason,
    violations: stats.violations.length ? stats.violations : undefined,
    // Only when the inputs could not be checked: foreign formats were off for this request.
    provenance: stats.provenance === "nonce-only" ? "nonce-only" : undefined,
    provenanceLimit: stats.provenanceLimit,
    inputTokens: stats.usage?.inputTokens,
    outputTokens: stats.usage?.outputTokens,
  };
}

/**
 * What every engine-backed route does first: note whether the client streams, resolve its model, run `create` against
 * the prepared context, and log the upstream side of the call whether `create` succeeded or threw.
 */
export async function callEngine<R>(
  server: ServerContext,
  c: Context<ServerEnv>,
  body: Record<string, unknown>,
  create: (context: ChatCompletionContext) => Promise<R>,
): Promise<{ call: PreparedCall; result: R }> {
  const log = c.get("requestLog");
  log.set({ stream: body.stream === true });
  const call = await server.prepareCall(c, body.model);
  try {
    return { call, result: await create(call.context) };
  } finally {
    log.set(call.upstreamFields());
  }
}
