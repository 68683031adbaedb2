import { BatchSource, UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { SseDecoder } from "@toolshim/core/provider-utils";
import { ChunkParser } from "./chunk-parser.js";
import type { GenericModelOptions, GenericProviderOptions } from "./options.js";
import { ResponseMapper } from "./response-mapper.js";
import { serializeRequest } from "./serialize-request.js";
import { type CallTimeouts, UpstreamCall } from "./upstream-call.js";
import { malformedError, upstreamMessage } from "./upstream-errors.js";
import type { WireCompletion } from "./wire-types.js";

type LogMethod = (object: Record<string, unknown>, message?: string) => void;
/** A pino-style logger (pino itself fits). */
export interface GenericLogger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

/** What one provider instance shares with each of its streams. */
export interface GenericRuntime {
  provider: string;
  options: GenericProviderOptions;
  baseURL: string;
  timeouts: CallTimeouts;
  fetch: typeof globalThis.fetch;
  logger: GenericLogger;
  /** Calls in progress, cancelled by `close()`. */
  active: Set<UpstreamCall>;
  redact(text: string): string;
  headers(accept: string): Record<string, string>;
  modelConfig(model: string): GenericModelOptions | undefined;
  configuredMode(model: string): "native" | "emulate" | "auto";
  toolMode(model: string): "native" | "emulate";
  /** The UpstreamError for a non-2xx answer (learning emulation when it rejected tools). */
  failure(call: UpstreamCall, response: Response, model: string, toolsSent: boolean): Promise<UpstreamError>;
  logFailure(error: UpstreamError, model: string, requestId?: string): void;
}

/**
 * One streamed answer, as a batch iterator: each pull reads one piece of the body and hands over every event in it
 * at once, so a burst of tokens costs one step downstream rather than one per token.
 */
const encoder = new TextEncoder();

export class GenericStream extends BatchSource<UpstreamEvent> {
  private native = false;
  /** Created by the first pull: nothing happens before the stream is read. */
  private call: UpstreamCall | undefined;
  private mapper = new ResponseMapper(false);
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly sse = new SseDecoder();
  private readonly chunks = new ChunkParser();
  private settled = false;
  private readonly model: string;
  private readonly requestId: string | undefined;
  /** Until it is sent: a stream held open for minutes need not keep the rendered prompt (often tens of KB). */
  private request: UpstreamRequest | undefined;

  constructor(
    private readonly runtime: GenericRuntime,
    request: UpstreamRequest,
    private readonly signal: AbortSignal,
  ) {
    super();
    this.request = request;
    this.model = request.model;
    this.requestId = request.requestId;
  }

  // Not an async function once the body is open: this runs per upstream read, and an async body would add its own
  // promise and resumption to the read's.
  protected pull(): Promise<UpstreamEvent[] | undefined> {
    if (this.settled) return Promise.resolve(undefined);
    if (this.call && this.reader) return this.call.read(this.reader).then(this.onPiece, this.onReadFailed);
    return this.first();
  }

  /** Sends the request; a streamed answer's first piece is read like the rest. */
  private async first(): Promise<UpstreamEvent[] | undefined> {
    let call: UpstreamCall;
    let reader: ReadableStreamDefaultReader<Uint8Array>;
    try {
      call = this.call = new UpstreamCall(this.signal, this.runtime.timeouts, this.runtime.provider);
      const response = await this.open(call);
      // Some servers answer a streaming request with plain JSON (e.g. after an internal fallback): accept both.
      if (!this.runtime.options.stream || !response.body || (response.headers.get("content-type") ?? "").includes("application/json")) {
        return this.complete([], await this.completion(call, response));
      }
      reader = this.reader = response.body.getReader();
    } catch (error) {
      return this.failed(error, []);
    }
    return call.read(reader).then(this.onPiece, this.onReadFailed);
  }

  private readonly onPiece = (piece: Uint8Array | undefined): UpstreamEvent[] | undefined => {
    const events: UpstreamEvent[] = [];
    try {
      for (const event of piece === undefined ? this.sse.end() : this.sse.pushBytes(piece)) {
        if (event.data === "[DONE]") return this.complete(events, true);
        this.mapper.chunk(this.parseChunk(event.data), events);
      }
      return piece === undefined ? this.complete(events, false) : events;
    } catch (error) {
      return this.failed(error, events);
    }
  };

  private readonly onReadFailed = (error: unknown): UpstreamEvent[] => this.failed(error, []);

  /** Events read before the failure still go first; the failure follows them. */
  private failed(error: unknown, events: UpstreamEvent[]): UpstreamEvent[] {
    // Not when the consumer stopped reading: the failure is then only the abort of a request nobody wants.
    if (error instanceof UpstreamError && error.code !== "tools_unsupported" && !this.signal.aborted && !this.finished) {
      this.runtime.logFailure(error, this.model, this.requestId);
    }
    this.release();
    if (events.length === 0) throw error;
    this.failAfterThisBatch(error);
    return events;
  }

  protected close(): void {
    this.release();
  }

  private parseChunk(data: string): WireCompletion {
    const { provider, redact } = this.runtime;
    let chunk: WireCompletion;
    try {
      chunk = this.chunks.parse(data);
    } catch {
      throw malformedError(provider, `an SSE data line is not JSON: ${redact(data.slice(0, 200))}`);
    }
    if (chunk?.error) {
      throw new UpstreamError(`The upstream of provider "${provider}" failed mid-response: ${redact(upstreamMessage(data))}`, {
        status: 502,
        retryable: true,
        code: "upstream_error",
      });
    }
    return chunk;
  }

  private async open(call: UpstreamCall): Promise<Response> {
    const { runtime, request, model } = this;
    if (!request) throw new Error("GenericStream: the upstream request was already sent.");
    this.request = undefined;
    runtime.active.add(call);
    // Tools in the request mean the engine planned native; honour its plan even if a concurrent request just taught
    // us that this model needs emulation (the next plan will pick that up).
    this.native = runtime.toolMode(model) === "native" || (runtime.configuredMode(model) === "auto" && !!request.tools?.length);
    this.mapper = new ResponseMapper(this.native);
    const config = runtime.modelConfig(model);
    const stream = runtime.options.stream;
    const body = serializeRequest(request, { native: this.native, stream, systemRole: config?.systemRole ?? true, developerRole: config?.developerRole ?? false });
    const toolsSent = Array.isArray(body.tools);
    runtime.logger.debug(
      { provider: runtime.provider, model, requestId: request.requestId, mode: this.native ? "native" : "emulate", stream, messages: request.messages.length, tools: toolsSent ? (body.tools as unknown[]).length : 0 },
      "upstream request",
    );
    const response = await call.fetch(runtime.fetch, `${runtime.baseURL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...runtime.headers(stream ? "text/event-stream" : "application/json") },
      // Bytes, no redirects and no window: only then does fetch (undici) send the body without keeping it for as long
      // as the response streams (it would tee it, to resend on a redirect, and keep the string as the body's source):
      // that is the whole prompt, twice, per open stream. An upstream that redirects gets a clear error instead.
      body: encoder.encode(JSON.stringify(body)),
      redirect: "error",
      window: null,
    });
    if (!response.ok) throw await runtime.failure(call, response, model, toolsSent);
    return response;
  }

  /** A non-streamed body: all its events at once. */
  private async completion(call: UpstreamCall, response: Response): Promise<UpstreamEvent[]> {
    const { provider, redact } = this.runtime;
    const text = await call.text(response);
    let parsed: WireCompletion | null;
    try {
      parsed = JSON.parse(text) as WireCompletion | null;
    } catch {
      throw malformedError(provider, `the response body is not JSON: ${redact(text.slice(0, 200))}`);
    }
    if (!parsed || !Array.isArray(parsed.choices)) {
      throw parsed?.error
        ? new UpstreamError(`The upstream of provider "${provider}" failed: ${redact(upstreamMessage(text))}`, { status: 502, retryable: true, code: "upstream_error" })
        : malformedError(provider, "the response has no choices.");
    }
    return this.mapper.completion(parsed);
  }

  /**
   * The answer is over: adds what the reasoning splitter held back and the `end` event. `ending` is the events of a
   * non-streamed body, or whether a stream ended with `data: [DONE]` (rather than the body just ending).
   */
  private complete(events: UpstreamEvent[], ending: UpstreamEvent[] | boolean): UpstreamEvent[] {
    const { provider, logger } = this.runtime;
    const { model, requestId } = this;
    const mapper = this.mapper;
    if (Array.isArray(ending)) events.push(...ending);
    else {
      events.push(...mapper.flush());
      if (mapper.finishReason === undefined && ending) {
        // Some servers (old Ollama, LocalAI) never set finish_reason but do end properly with [DONE].
        logger.debug({ provider, model, requestId }, "stream ended with [DONE] but no finish_reason: taken as stop");
        mapper.finishReason = "stop";
      }
    }
    const reason = mapper.finishReason;
    if (reason === undefined) {
      throw new UpstreamError(`upstream stream ended early: provider "${provider}" (model ${model}) closed the stream without a finish_reason.`, {
        status: 502,
        retryable: true,
        code: "upstream_incomplete",
      });
    }
    logger.debug({ provider, model, requestId, finishReason: reason }, "upstream response complete");
    events.push({ type: "end", reason });
    this.release();
    return events;
  }

  /** Lets go of the body and the call (once): on completion, failure or an early return. */
  private release() {
    if (this.settled) return;
    this.settled = true;
    // dispose() cancels the body, which also ends a read still waiting (the lock is not taken away under it).
    if (this.call) {
      this.runtime.active.delete(this.call);
      this.call.dispose();
    }
  }
}
