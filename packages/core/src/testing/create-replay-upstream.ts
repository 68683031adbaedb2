import type { Upstream, UpstreamEvent, UpstreamModel, UpstreamRequest } from "../upstream.js";

type EndReason = Extract<UpstreamEvent, { type: "end" }>["reason"];

/** What the replayed upstream says in answer to one request. */
export interface ReplayResponse {
  /** Streamed as text events: the given pieces, or `text` cut into `chunkSize` pieces. `{{nonce}}` becomes the request's nonce. */
  text?: string | string[];
  /** Characters per text event when `text` is one string. Default: the whole text in one event. */
  chunkSize?: number;
  /** Streamed as reasoning events before the text. */
  reasoning?: string | string[];
  /** Exact events to send instead of text/reasoning/usage/end (nothing is added). */
  events?: UpstreamEvent[];
  /** Sent after the text. Default: none. */
  usage?: { inputTokens?: number; outputTokens?: number; reasoningTokens?: number };
  /** Why the stream ends; `null` stops without an end event (a broken upstream). Default "stop". */
  end?: EndReason | null;
  /** Thrown before the first event, as a failing upstream call would. */
  failBefore?: Error;
  /** Thrown after `events` events, as a connection dropping mid-stream would. */
  failAfter?: { events: number; error: Error };
  /** After this many events, wait (without ending) until the request is aborted. */
  hangAfter?: number;
  /** Pause before each event, in ms. */
  delayMs?: number;
}

export interface ReplayUpstreamOptions {
  name?: string;
  /** Model ids (or full models) listModels answers with. Default: one model "replay". */
  models?: (string | UpstreamModel)[];
  /** What `toolMode` answers; absent means the upstream has no `toolMode` (emulate). */
  toolMode?: "native" | "emulate";
  /** One response per request in order (the last repeats), or computed from the request and its 0-based number. */
  responses: ReplayResponse | ReplayResponse[] | ((request: UpstreamRequest, number: number) => ReplayResponse);
}

/** An in-memory upstream that replays scripted output and records what it was asked. */
export interface ReplayUpstream extends Upstream {
  /** Every request received, in order. */
  readonly requests: UpstreamRequest[];
  /** Models the engine reported as ignoring native tools. */
  readonly toolsIgnored: string[];
  /** Streams started and not yet finished (returned, thrown or aborted). */
  readonly openStreams: number;
  readonly closed: boolean;
}

/**
 * The nonce of the default dialect's markers in a request's prompt (`<call:NONCE>`), so a scripted reply can call
 * tools the way a model that read its instructions would.
 */
export function nonceOf(request: UpstreamRequest): string | undefined {
  for (const message of request.messages) {
    const content = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
    const match = /<call:([A-Za-z0-9]+)>/.exec(content ?? "");
    if (match) return match[1];
  }
  return undefined;
}

export function createReplayUpstream(options: ReplayUpstreamOptions): ReplayUpstream {
  const requests: UpstreamRequest[] = [];
  const toolsIgnored: string[] = [];
  let openStreams = 0;
  let closed = false;
  const models = (options.models ?? ["replay"]).map((model) =>
    typeof model === "string"
      ? { id: model, capabilities: { nativeTools: options.toolMode === "native", reasoning: true, systemRole: true, vision: false } }
      : model,
  );

  const responseFor = (request: UpstreamRequest, number: number): ReplayResponse => {
    const { responses } = options;
    if (typeof responses === "function") return responses(request, number);
    if (!Array.isArray(responses)) return responses;
    const response = responses[Math.min(number, responses.length - 1)];
    if (!response) throw new Error("createReplayUpstream: `responses` is empty.");
    return response;
  };

  async function* stream(request: UpstreamRequest, signal: AbortSignal): AsyncGenerator<UpstreamEvent> {
    const number = requests.length;
    requests.push(structuredClone(request));
    const response = responseFor(request, number);
    openStreams++;
    try {
      if (response.failBefore) throw response.failBefore;
      const events = response.events ?? scripted(response, nonceOf(request));
      let sent = 0;
      for (const event of events) {
        if (response.failAfter && sent === response.failAfter.events) throw response.failAfter.error;
        if (response.hangAfter !== undefined && sent === response.hangAfter) await untilAborted(signal);
        if (response.delayMs) await sleep(response.delayMs, signal);
        signal.throwIfAborted();
        yield event;
        sent++;
      }
      if (response.failAfter && sent === response.failAfter.events) throw response.failAfter.error;
      if (response.hangAfter !== undefined && sent === response.hangAfter) await untilAborted(signal);
    } finally {
      openStreams--;
    }
  }

  return {
    name: options.name ?? "replay",
    ...(options.toolMode ? { toolMode: () => options.toolMode as "native" | "emulate" } : {}),
    noteToolsIgnored(model: string) {
      toolsIgnored.push(model);
    },
    listModels: async () => models,
    stream,
    async close() {
      closed = true;
    },
    requests,
    toolsIgnored,
    get openStreams() {
      return openStreams;
    },
    get closed() {
      return closed;
    },
  };
}

function scripted(response: ReplayResponse, nonce: string | undefined): UpstreamEvent[] {
  const events: UpstreamEvent[] = [];
  for (const text of pieces(response.reasoning, undefined)) events.push({ type: "reasoning", text });
  // The placeholder is filled in before chunking, so a chunk boundary may fall inside the nonce as it would live.
  const fill = (text: string) => (nonce === undefined ? text : text.replaceAll("{{nonce}}", nonce));
  const text = Array.isArray(response.text) ? response.text.map(fill) : response.text === undefined ? undefined : fill(response.text);
  for (const piece of pieces(text, response.chunkSize)) events.push({ type: "text", text: piece });
  if (response.usage) events.push({ type: "usage", ...response.usage });
  if (response.end !== null) events.push({ type: "end", reason: response.end ?? "stop" });
  return events;
}

function pieces(value: string | string[] | undefined, size: number | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  if (!size || size <= 0) return [value];
  const result: string[] = [];
  const characters = Array.from(value);
  for (let i = 0; i < characters.length; i += size) result.push(characters.slice(i, i + size).join(""));
  return result;
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
