import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { renderCompletion, renderStreamEvents, type ResponseEnvelope } from "./render-reply.js";
import type { DoubleFailure, DoubleReply, DoubleScript, RecordedRequest } from "./script.js";

/** How the double treats requests that carry `tools` (or legacy `functions`). */
export type DoubleToolsMode =
  /** 400 `"<model> does not support tools"`, like Ollama or a vLLM without a tool parser. */
  | "reject"
  /** Drop the tools and answer from the script, like llama.cpp without `--jinja` or many proxies. */
  | "ignore"
  /** Accept them and send the script's `toolCalls` as `delta.tool_calls` / `message.tool_calls`. */
  | "native";

export interface OpenAIDoubleOptions {
  /** The reply used when the queue is empty. Default: the text "Hello from the OpenAI double." */
  script?: DoubleScript;
  /** Default "reject". */
  tools?: DoubleToolsMode;
  /** When set, requests must send `Authorization: Bearer <apiKey>` or get a 401. */
  apiKey?: string;
  /** Ids listed by `/v1/models`. When given, chat requests for other models get a 404 `model_not_found`. */
  models?: string[];
  /** Characters per content chunk when a reply does not say. Default 4. */
  chunkSize?: number;
  /** Delay between SSE events when a reply does not say, in ms. Default 0. */
  delayMs?: number;
}

export interface OpenAIDouble {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:41234/v1`: what an OpenAI client takes as `baseURL`. */
  readonly url: string;
  /** Every request received (chat, models, unknown paths, rejected ones), in arrival order. */
  readonly requests: RecordedRequest[];
  /** The requests to `/v1/chat/completions` only. */
  chatRequests(): RecordedRequest[];
  /** Replace the default reply (used whenever the queue is empty). */
  script(script: DoubleScript): void;
  /** Queue replies; each chat request that reaches the model takes the next one (rejected requests take none). */
  enqueue(...replies: DoubleScript[]): void;
  /** Switch how `tools` in requests are treated. */
  setToolsMode(mode: DoubleToolsMode): void;
  /** Resolves with the final outcome of `requests[index]` once it is no longer "pending"; rejects after `timeoutMs`. */
  waitForOutcome(index: number, timeoutMs?: number): Promise<RecordedRequest["outcome"]>;
  /** Stop listening and drop every open connection (stalled streams included). */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, extra: { type?: string; param?: string | null; code?: string | null } = {}) {
  const type = extra.type ?? (status >= 500 ? "server_error" : "invalid_request_error");
  sendJson(res, status, { error: { message, type, param: extra.param ?? null, code: extra.code ?? null } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function carriesTools(body: { tools?: unknown; functions?: unknown } | null | undefined): boolean {
  return (Array.isArray(body?.tools) && body.tools.length > 0) || (Array.isArray(body?.functions) && body.functions.length > 0);
}

/**
 * Start an OpenAI Chat Completions server on 127.0.0.1 (random port) whose "model" says what the test scripts.
 *
 * It speaks the wire format faithfully (SSE `data:` lines, role chunk, content chunks, finish chunk, a usage chunk
 * when `stream_options.include_usage`, `data: [DONE]`; `chat.completion` JSON when not streaming; `/v1/models`;
 * OpenAI-shaped errors) and has no tool support of its own: see {@link DoubleToolsMode}. Each reply can fail in the
 * ways real upstreams do (HTTP errors, reset, stall, early end, malformed SSE), see {@link DoubleFailure}.
 *
 * @example
 * const double = await startOpenAIDouble({ script: "Hi there" });
 * double.enqueue({ reasoning: "thinking…", text: "first" }, { failure: { kind: "http", status: 429, headers: { "retry-after": "2" } } });
 * // …point a client at double.url…
 * expect(double.chatRequests()[0].body.messages).toEqual([...]);
 * await double.close();
 */
export async function startOpenAIDouble(options: OpenAIDoubleOptions = {}): Promise<OpenAIDouble> {
  let defaultScript: DoubleScript = options.script ?? "Hello from the OpenAI double.";
  let toolsMode: DoubleToolsMode = options.tools ?? "reject";
  const queue: DoubleScript[] = [];
  const requests: RecordedRequest[] = [];
  const watchers = new Set<() => void>();
  let responseCounter = 0;

  const setOutcome = (record: RecordedRequest, outcome: RecordedRequest["outcome"]) => {
    if (record.outcome !== "pending") return;
    record.outcome = outcome;
    for (const watcher of [...watchers]) watcher();
  };

  async function resolveReply(record: RecordedRequest): Promise<DoubleReply> {
    const script = queue.shift() ?? defaultScript;
    const value = typeof script === "function" ? await script(record) : script;
    return typeof value === "string" ? { text: value } : value;
  }

  async function handleChat(record: RecordedRequest, res: ServerResponse): Promise<void> {
    const body = record.body;
    if (body === undefined || typeof body !== "object" || body === null) {
      return sendError(res, 400, "We could not parse the JSON body of your request.");
    }
    if (typeof body.model !== "string") return sendError(res, 400, "you must provide a model parameter", { param: "model" });
    if (!Array.isArray(body.messages)) return sendError(res, 400, "Missing required parameter: 'messages'.", { param: "messages" });
    if (options.models && !options.models.includes(body.model)) {
      return sendError(res, 404, `The model \`${body.model}\` does not exist or you do not have access to it.`, { code: "model_not_found" });
    }
    if (carriesTools(body) && toolsMode === "reject") {
      return sendError(res, 400, `${body.model} does not support tools`, { param: "tools" });
    }

    let reply: DoubleReply;
    try {
      reply = await resolveReply(record);
      if (reply.toolCalls?.length && toolsMode !== "native") {
        throw new Error(`the reply has toolCalls but the double's tools mode is "${toolsMode}", not "native"`);
      }
    } catch (error) {
      return sendError(res, 500, `OpenAI double script error: ${(error as Error).message}`);
    }

    if (reply.headersDelayMs) await sleep(reply.headersDelayMs);
    const failure = reply.failure;
    if (failure?.kind === "http") {
      if (failure.body !== undefined) {
        res.writeHead(failure.status, { "content-type": "application/json", ...failure.headers });
        res.end(failure.body);
        return;
      }
      const message = failure.message ?? `The double failed with status ${failure.status}.`;
      const type = failure.type ?? (failure.status === 429 ? "rate_limit_error" : failure.status >= 500 ? "server_error" : "invalid_request_error");
      return sendJson(res, failure.status, { error: { message, type, param: null, code: failure.code ?? null } }, failure.headers);
    }
    if (failure?.kind === "hang") return;

    const envelope: ResponseEnvelope = {
      id: `chatcmpl-double-${++responseCounter}`,
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      promptText: JSON.stringify(body.messages),
      includeUsage: body.stream_options?.include_usage === true,
      chunkSize: options.chunkSize ?? 4,
    };

    const reset = () => {
      setOutcome(record, "reset");
      res.socket?.destroy();
    };
    if (body.stream !== true) return sendCompletion(res, reply, envelope, failure, reset);
    return sendStream(res, reply, envelope, failure, reply.delayMs ?? options.delayMs ?? 0, reset);
  }

  function sendCompletion(res: ServerResponse, reply: DoubleReply, envelope: ResponseEnvelope, failure: DoubleFailure | undefined, reset: () => void) {
    if (failure?.kind === "reset") return reset();
    if (failure?.kind === "stall") return;
    if (failure?.kind === "malformed" || failure?.kind === "end-early") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify(renderCompletion(reply, envelope)).slice(0, 20));
    }
    sendJson(res, 200, renderCompletion(reply, envelope));
  }

  async function sendStream(
    res: ServerResponse,
    reply: DoubleReply,
    envelope: ResponseEnvelope,
    failure: DoubleFailure | undefined,
    delayMs: number,
    reset: () => void,
  ) {
    const limit = failure && "afterChunks" in failure ? failure.afterChunks : Number.POSITIVE_INFINITY;
    if (failure?.kind === "reset" && limit === 0) return reset();
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
    const events = renderStreamEvents(reply, envelope);
    for (let i = 0; i < events.length; i++) {
      if (i >= limit) break;
      if (i > 0 && delayMs > 0) await sleep(delayMs);
      if (res.destroyed) return;
      res.write(`data: ${events[i]}\n\n`);
    }
    switch (failure?.kind) {
      case "reset":
        // Let the written events leave before the socket dies, so the client sees them and then a reset.
        await sleep(5);
        return reset();
      case "stall":
        return;
      case "end-early":
        return void res.end();
      case "malformed":
        res.write("data: {\"id\":\"chatcmpl-double\",\"choices\":[{\"delta\":{\"content\":\"bro\n\n");
        return void res.end();
      default:
        if (delayMs > 0) await sleep(delayMs);
        if (res.destroyed) return;
        res.end("data: [DONE]\n\n");
    }
  }

  function handleModels(res: ServerResponse) {
    const ids = options.models ?? ["double-model"];
    sendJson(res, 200, {
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "openai-double" })),
    });
  }

  const server = createServer(async (req, res) => {
    const rawBody = await readBody(req).catch(() => "");
    let body: unknown;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const record: RecordedRequest = { method: req.method ?? "GET", path, headers: { ...req.headers }, body, rawBody, outcome: "pending" };
    requests.push(record);
    res.on("close", () => setOutcome(record, res.writableFinished ? "completed" : "aborted"));

    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(res, 401, "Incorrect API key provided.", { code: "invalid_api_key" });
    }
    try {
      if (req.method === "POST" && path === "/v1/chat/completions") return await handleChat(record, res);
      if (req.method === "GET" && path === "/v1/models") return handleModels(res);
      sendError(res, 404, `Unknown request URL: ${req.method} ${path}.`, { code: "unknown_url" });
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, `OpenAI double failed: ${(error as Error).message}`);
      else res.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === "/v1/chat/completions"),
    script(script) {
      defaultScript = script;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    setToolsMode(mode) {
      toolsMode = mode;
    },
    waitForOutcome(index, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const record = requests[index];
          if (record && record.outcome !== "pending") {
            watchers.delete(check);
            clearTimeout(timer);
            resolve(record.outcome);
          }
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`request ${index} still ${requests[index]?.outcome ?? "not received"} after ${timeoutMs} ms`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
