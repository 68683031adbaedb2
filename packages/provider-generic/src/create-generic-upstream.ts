import { BatchSource, UpstreamError, type Upstream, type UpstreamEvent, type UpstreamModel, type UpstreamRequest } from "@toolshim/core";
import {
  genericProviderOptionsSchema,
  type GenericModelOptions,
  type GenericProviderOptions,
  type GenericProviderOptionsInput,
} from "./options.js";
import { ChunkParser } from "./chunk-parser.js";
import { ResponseMapper } from "./response-mapper.js";
import { serializeRequest } from "./serialize-request.js";
import { SseParser } from "./sse-parser.js";
import { UpstreamCall, type CallTimeouts } from "./upstream-call.js";
import { errorFromStatus, isToolsRejection, malformedError, upstreamMessage } from "./upstream-errors.js";

type LogMethod = (object: Record<string, unknown>, message?: string) => void;
/** A pino-style logger (pino itself fits). */
export interface GenericLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

export interface GenericUpstreamDeps {
  /** Default: globalThis.fetch. */
  fetch?: typeof fetch;
  /** Default: silent. */
  logger?: GenericLogger;
}

export interface GenericUpstream extends Upstream {
  toolMode(model: string): "native" | "emulate";
  noteToolsIgnored(model: string): void;
}

const noop: LogMethod = () => {};
const silent: GenericLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * An `Upstream` for any OpenAI-compatible `/v1/chat/completions` server (llama.cpp, vLLM, Ollama, LM Studio, hosted
 * APIs). Tools are passed natively, emulated by the engine, or (`auto`) native until the upstream rejects or ignores
 * them for a model, which is then remembered.
 */
export function createGenericUpstream(input: GenericProviderOptionsInput & GenericUpstreamDeps): GenericUpstream {
  const { fetch: fetchImpl = globalThis.fetch.bind(globalThis), logger = silent, ...rest } = input;
  const options: GenericProviderOptions = genericProviderOptionsSchema.parse(rest);
  const provider = options.name;
  const baseURL = options.baseURL.replace(/\/+$/, "");
  const timeouts: CallTimeouts =
    typeof options.timeoutMs === "number" ? { firstByteMs: options.timeoutMs, idleMs: options.timeoutMs } : options.timeoutMs;
  const secrets = [options.apiKey, ...Object.values(options.headers ?? {})].filter((s): s is string => !!s && s.length >= 6);
  const redact = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
  /** Models found to need emulation in "auto" mode, with why. */
  const emulated = new Map<string, string>();
  const active = new Set<UpstreamCall>();

  const modelConfig = (model: string): GenericModelOptions | undefined => options.models?.find((m) => m.id === model);
  const configuredMode = (model: string) => modelConfig(model)?.tools ?? options.tools;

  function toolMode(model: string): "native" | "emulate" {
    const mode = configuredMode(model);
    if (mode !== "auto") return mode;
    return emulated.has(model) ? "emulate" : "native";
  }

  function learnEmulation(model: string, reason: string) {
    if (emulated.has(model)) return;
    emulated.set(model, reason);
    logger.info({ provider, model, reason }, "tools: switching this model to emulation (auto mode)");
  }

  function headers(accept: string): Record<string, string> {
    const out: Record<string, string> = { accept, ...options.headers };
    if (options.apiKey) out.authorization = `Bearer ${options.apiKey}`;
    return out;
  }

  async function failure(call: UpstreamCall, response: Response, model: string, toolsSent: boolean): Promise<UpstreamError> {
    const message = redact(upstreamMessage(await call.text(response).catch(() => "")));
    const context = { provider, model, toolsSent };
    if (isToolsRejection(response.status, message, context) && configuredMode(model) === "auto") {
      learnEmulation(model, `rejected native tools with HTTP ${response.status}: ${message}`);
      return new UpstreamError(`${provider} (model ${model}) does not accept native tools: ${message}`, {
        status: 400,
        retryable: true,
        code: "tools_unsupported",
        upstreamStatus: response.status,
      });
    }
    return errorFromStatus(response.status, response.headers, message, context);
  }

  function logFailure(error: UpstreamError, model: string, requestId?: string) {
    const fields = { provider, model, requestId, status: error.status, upstreamStatus: error.upstreamStatus, code: error.code };
    logger.warn(fields, redact(error.message));
  }

  /**
   * One streamed answer, as a batch iterator: each pull reads one piece of the body and hands over every event in it
   * at once, so a burst of tokens costs one step downstream rather than one per token.
   */
  class GenericStream extends BatchSource<UpstreamEvent> {
    private readonly model: string;
    private native = false;
    /** Created by the first pull: nothing happens before the stream is read. */
    private call: UpstreamCall | undefined;
    private mapper = new ResponseMapper(false);
    private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    private readonly decoder = new TextDecoder();
    private readonly parser = new SseParser();
    private readonly chunks = new ChunkParser();
    private reading = false;
    private settled = false;

    constructor(
      private readonly request: UpstreamRequest,
      private readonly signal: AbortSignal,
    ) {
      super();
      this.model = request.model;
    }

    protected async pull(): Promise<UpstreamEvent[] | undefined> {
      if (this.settled) return undefined;
      const events: UpstreamEvent[] = [];
      try {
        if (!this.call) {
          const response = await this.open((this.call = new UpstreamCall(this.signal, timeouts, provider)));
          // Some servers answer a streaming request with plain JSON (e.g. after an internal fallback): accept both.
          if (!options.stream || !response.body || (response.headers.get("content-type") ?? "").includes("application/json")) {
            return this.complete(events, await this.completion(response));
          }
          this.reader = response.body.getReader();
        }
        this.reading = true;
        const piece = await this.call.read(this.reader!);
        this.reading = false;
        for (const event of piece === undefined ? this.parser.end() : this.parser.push(this.decoder.decode(piece, { stream: true }))) {
          if (event.data === "[DONE]") return this.complete(events, true);
          let chunk: any;
          try {
            chunk = this.chunks.parse(event.data);
          } catch {
            throw malformedError(provider, `an SSE data line is not JSON: ${redact(event.data.slice(0, 200))}`);
          }
          if (chunk?.error) {
            throw new UpstreamError(`The upstream of provider "${provider}" failed mid-response: ${redact(upstreamMessage(event.data))}`, {
              status: 502,
              retryable: true,
              code: "upstream_error",
            });
          }
          this.mapper.chunk(chunk, events);
        }
        return piece === undefined ? this.complete(events, false) : events;
      } catch (error) {
        this.reading = false;
        // Not when the consumer stopped reading: the failure is then only the abort of a request nobody wants.
        if (error instanceof UpstreamError && error.code !== "tools_unsupported" && !this.signal.aborted && !this.finished) {
          logFailure(error, this.model, this.request.requestId);
        }
        this.release();
        // Events read before the failure still go first.
        if (events.length === 0) throw error;
        this.failAfterThisBatch(error);
        return events;
      }
    }

    protected close(): void {
      this.release();
    }

    private async open(call: UpstreamCall): Promise<Response> {
      active.add(call);
      // Tools in the request mean the engine planned native; honour its plan even if a concurrent request just taught
      // us that this model needs emulation (the next plan will pick that up).
      this.native = toolMode(this.model) === "native" || (configuredMode(this.model) === "auto" && !!this.request.tools?.length);
      this.mapper = new ResponseMapper(this.native);
      const config = modelConfig(this.model);
      const body = serializeRequest(this.request, {
        native: this.native,
        stream: options.stream,
        systemRole: config?.systemRole ?? true,
        developerRole: config?.developerRole ?? false,
      });
      const toolsSent = Array.isArray(body.tools);
      logger.debug(
        { provider, model: this.model, requestId: this.request.requestId, mode: this.native ? "native" : "emulate", stream: options.stream, messages: this.request.messages.length, tools: toolsSent ? (body.tools as unknown[]).length : 0 },
        "upstream request",
      );
      const response = await call.fetch(fetchImpl, `${baseURL}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers(options.stream ? "text/event-stream" : "application/json") },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw await failure(call, response, this.model, toolsSent);
      return response;
    }

    /** A non-streamed body: all its events at once. */
    private async completion(response: Response): Promise<UpstreamEvent[]> {
      const text = await this.call!.text(response);
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw malformedError(provider, `the response body is not JSON: ${redact(text.slice(0, 200))}`);
      }
      if (!Array.isArray(parsed?.choices)) {
        throw parsed?.error
          ? new UpstreamError(`The upstream of provider "${provider}" failed: ${redact(upstreamMessage(text))}`, { status: 502, retryable: true, code: "upstream_error" })
          : malformedError(provider, "the response has no choices.");
      }
      return this.mapper.completion(parsed);
    }

    /**
     * The answer is over: adds what the think splitter held back and the `end` event. `ending` is the events of a
     * non-streamed body, or whether a stream ended with `data: [DONE]` (rather than the body just ending).
     */
    private complete(events: UpstreamEvent[], ending: UpstreamEvent[] | boolean): UpstreamEvent[] {
      const mapper = this.mapper;
      if (Array.isArray(ending)) events.push(...ending);
      else {
        events.push(...mapper.flush());
        if (mapper.finishReason === undefined && ending) {
          // Some servers (old Ollama, LocalAI) never set finish_reason but do end properly with [DONE].
          logger.debug({ provider, model: this.model, requestId: this.request.requestId }, "stream ended with [DONE] but no finish_reason: taken as stop");
          mapper.finishReason = "stop";
        }
        if (mapper.finishReason === undefined) {
          throw new UpstreamError(`upstream stream ended early: provider "${provider}" (model ${this.model}) closed the stream without a finish_reason.`, {
            status: 502,
            retryable: true,
            code: "upstream_incomplete",
          });
        }
      }
      logger.debug({ provider, model: this.model, requestId: this.request.requestId, finishReason: mapper.finishReason }, "upstream response complete");
      events.push({ type: "end", reason: mapper.finishReason! });
      this.release();
      return events;
    }

    /** Lets go of the body and the call (once): on completion, failure or an early return. */
    private release() {
      if (this.settled) return;
      this.settled = true;
      // A read still waiting is ended by dispose() aborting the request, not by taking the lock away under it.
      if (this.reader && !this.reading) this.reader.releaseLock();
      if (this.call) {
        active.delete(this.call);
        this.call.dispose();
      }
    }
  }

  async function listModels(): Promise<UpstreamModel[]> {
    const ids = options.models ? options.models.map((m) => m.id) : await discoverModels();
    return ids.map((id) => {
      const config = modelConfig(id);
      return {
        id,
        capabilities: {
          nativeTools: toolMode(id) === "native",
          reasoning: config?.reasoning ?? false,
          systemRole: config?.systemRole ?? true,
          vision: config?.vision ?? false,
        },
      };
    });
  }

  async function discoverModels(): Promise<string[]> {
    const call = new UpstreamCall(new AbortController().signal, timeouts, provider);
    active.add(call);
    try {
      const response = await call.fetch(fetchImpl, `${baseURL}/models`, { method: "GET", headers: headers("application/json") });
      if (!response.ok) throw await failure(call, response, "(model list)", false);
      const text = await call.text(response);
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw malformedError(provider, `the model list is not JSON: ${redact(text.slice(0, 200))}`);
      }
      // OpenAI shape {data:[{id}]}; Ollama's native /api/tags shape {models:[{name}]} when baseURL was set without /v1.
      const entries: any[] = Array.isArray(parsed?.data) ? parsed.data : Array.isArray(parsed?.models) ? parsed.models : [];
      return entries.map((e) => e?.id ?? e?.name).filter((id): id is string => typeof id === "string" && id !== "");
    } catch (error) {
      if (error instanceof UpstreamError) logFailure(error, "(model list)");
      throw error;
    } finally {
      active.delete(call);
      call.dispose();
    }
  }

  return {
    name: provider,
    listModels,
    toolMode,
    noteToolsIgnored(model) {
      if (configuredMode(model) === "auto") learnEmulation(model, "answered with tool-call markup in its text instead of native tool calls");
    },
    stream: (request, signal) => new GenericStream(request, signal),
    async close() {
      const reason = new UpstreamError(`Provider "${provider}" is shutting down.`, { status: 503, retryable: true, code: "provider_closed" });
      for (const call of active) call.cancel(reason);
    },
  };
}
