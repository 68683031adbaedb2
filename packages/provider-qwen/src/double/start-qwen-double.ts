import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DoubleAuth } from "./double-auth.js";
import { DEFAULT_DOUBLE_MODELS } from "./double-models.js";
import type { AnswerContext, DoubleAnswer, DoubleChat, DoubleFailure, FailureTarget, LoggedRequest } from "./double-types.js";
import { CompletionStream, roughTokens } from "./completion-stream.js";
import { GATEWAY_504, spacedJson, stoppedFrame, streamErrorFrame, WAF_BODY, WAF_HTML } from "./frames.js";

export interface QwenDoubleOptions {
  /** Accounts that can sign in with e-mail and password. */
  accounts?: { email: string; password: string }[];
  /** Tokens accepted as they are (copied from a browser); each is its own account. */
  tokens?: string[];
  /** Lifetime of tokens issued by sign-in (900 s in the newest capture). */
  tokenLifetimeSeconds?: number;
  /** Concurrent streams one account may have; more get `Too_Many_Requests` in the stream. Default 2. */
  maxConcurrentStreams?: number;
  /** Completions one account may start before `RateLimited` (the daily quota). Default unlimited. */
  dailyQuota?: number;
  keepAliveMs?: number;
  frameDelayMs?: number;
  /** Require `X-Request-Id`, `source: web`, a known `Version` and `bx-v` (reference §15.12). Default true. */
  strictHeaders?: boolean;
  /** `Version` values accepted in strict mode. Default ["0.3.11"]. */
  versions?: string[];
  models?: unknown[];
}

export interface QwenDouble {
  url: string;
  auth: DoubleAuth;
  chats: Map<string, DoubleChat>;
  requests: LoggedRequest[];
  /** The scripted model; default answers "Hello!". */
  setReply(reply: DoubleAnswer | ((context: AnswerContext) => DoubleAnswer)): void;
  /** Fails the next request to `target` (default the completion) as described. */
  failNext(failure: DoubleFailure, target?: FailureTarget): void;
  /** Streams currently open, all accounts. */
  openStreams(): number;
  /** The most streams each account had open at once (answers streamed, not refused), by account. */
  peakStreams(): Record<string, number>;
  requestsTo(path: string): LoggedRequest[];
  close(): Promise<void>;
}

/** An HTTP double of chat.qwen.ai on a loopback port, faithful to the protocol reference's checklist (§15). */
export async function startQwenDouble(options: QwenDoubleOptions = {}): Promise<QwenDouble> {
  const auth = new DoubleAuth({ accounts: options.accounts ?? [], tokens: options.tokens ?? [], lifetimeSeconds: options.tokenLifetimeSeconds ?? 900 });
  const chats = new Map<string, DoubleChat>();
  const requests: LoggedRequest[] = [];
  const failures: { failure: DoubleFailure; target: FailureTarget }[] = [];
  const streams = new Map<string, CompletionStream>();
  const perAccount = new Map<string, number>();
  const peaks = new Map<string, number>();
  const started = new Map<string, number>();
  let reply: DoubleAnswer | ((context: AnswerContext) => DoubleAnswer) = { answer: ["Hello", "!"] };
  const settings = {
    maxStreams: options.maxConcurrentStreams ?? 2,
    quota: options.dailyQuota ?? Number.POSITIVE_INFINITY,
    strict: options.strictHeaders ?? true,
    versions: options.versions ?? ["0.3.11"],
    models: options.models ?? DEFAULT_DOUBLE_MODELS,
    stream: { frameDelayMs: options.frameDelayMs ?? 0, keepAliveMs: options.keepAliveMs ?? 10_000 },
  };

  const takeFailure = (target: FailureTarget) => {
    const index = failures.findIndex((entry) => entry.target === target);
    return index < 0 ? undefined : failures.splice(index, 1)[0]?.failure;
  };

  async function route(req: IncomingMessage, res: ServerResponse, entry: LoggedRequest): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double");
    const path = url.pathname;
    if (req.method === "POST" && /^\/api\/v[12]\/auths\/signin$/.test(path)) {
      const failure = takeFailure("signin");
      if (failure) return sendFailure(res, failure);
      const body = entry.body as { email?: string; password?: string };
      const token = await auth.signIn(String(body.email ?? ""), String(body.password ?? ""));
      if (!token) return json(res, 401, envelope(false, { code: "Unauthorized", details: "Incorrect email or password." }));
      // The v1 answer is flat with a top-level token; the cookie mirrors it.
      res.setHeader("set-cookie", `token=${token}; Path=/; HttpOnly`);
      return json(res, 200, { id: body.email, email: body.email, name: "double", role: "user", token, token_type: "Bearer", expires_at: null });
    }
    if (req.method === "GET" && (path === "/api/v2/models/" || path === "/api/models")) {
      const failure = takeFailure("models");
      if (failure) return sendFailure(res, failure);
      return json(res, 200, path === "/api/models" ? { data: settings.models } : envelope(true, { data: settings.models }));
    }
    const who = auth.check(req);
    if ("refused" in who) return json(res, 401, envelope(false, { code: "Unauthorized", details: `You are not authenticated (${who.refused}).` }));
    const headerProblem = settings.strict ? checkHeaders(req, settings.versions) : undefined;
    if (headerProblem) return json(res, 200, envelope(false, { code: "Bad_Request", details: headerProblem }));
    if (req.method === "POST" && path === "/api/v2/chats/new") {
      const failure = takeFailure("chats/new");
      if (failure) return sendFailure(res, failure);
      const body = entry.body as { models?: unknown };
      const id = crypto.randomUUID();
      const model = Array.isArray(body.models) && typeof body.models[0] === "string" ? body.models[0] : "";
      chats.set(id, { id, owner: who.account, model, deleted: false, responseIds: [] });
      return json(res, 200, envelope(true, { id }));
    }
    if (req.method === "DELETE" && path.startsWith("/api/v2/chats/")) {
      const id = path.slice("/api/v2/chats/".length);
      for (const chat of chats.values()) if (chat.owner === who.account && (id === "" || chat.id === id)) chat.deleted = true;
      return json(res, 200, envelope(true, { status: true }));
    }
    if (req.method === "POST" && path === "/api/v2/chat/completions/stop") {
      const body = entry.body as { chat_id?: string; response_id?: string };
      streams.get(`${body.chat_id}/${body.response_id}`)?.stop();
      return json(res, 200, envelope(true, { status: true }));
    }
    if (req.method === "POST" && path === "/api/v2/chat/completions") return complete(url, res, entry, who.account);
    return json(res, 404, { detail: "Not Found" });
  }

  async function complete(url: URL, res: ServerResponse, entry: LoggedRequest, account: string): Promise<void> {
    entry.outcome = "failed";
    const body = entry.body as CompletionBody;
    const chat = chats.get(url.searchParams.get("chat_id") ?? "");
    if (!chat || chat.deleted || chat.owner !== account) return json(res, 200, envelope(false, { code: "Not_Found", details: "Chat not found" }));
    const problem = checkBody(body, chat);
    if (problem) return json(res, 200, envelope(false, { code: "Bad_Request", details: problem }));
    const failure = takeFailure("completion");
    if (failure) return sendFailure(res, failure);
    if ((started.get(account) ?? 0) >= settings.quota) {
      return json(res, 200, envelope(false, { code: "RateLimited", details: "You have reached the daily usage limit. Please wait 4 hours before trying again.", num: 4 }));
    }
    started.set(account, (started.get(account) ?? 0) + 1);
    const message = body.messages[0] as CompletionMessage;
    const responseId = crypto.randomUUID();
    if ((perAccount.get(account) ?? 0) >= settings.maxStreams) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      return void res.end(streamErrorFrame(responseId, "Too_Many_Requests", "The chat is in progress!"));
    }
    const feature = message.feature_config ?? {};
    const context: AnswerContext = {
      prompt: typeof message.content === "string" ? message.content : JSON.stringify(message.content),
      model: body.model,
      thinking: feature.thinking_enabled === true,
      search: message.chat_type === "search" || feature.auto_search === true,
      chatId: chat.id,
      account,
    };
    const answer = typeof reply === "function" ? reply(context) : reply;
    const stream = new CompletionStream(res, { chatId: chat.id, parentId: crypto.randomUUID(), responseId }, { ...settings.stream, withPhase: feature.output_schema === "phase" });
    const key = `${chat.id}/${responseId}`;
    streams.set(key, stream);
    chat.responseIds.push(responseId);
    const open = (perAccount.get(account) ?? 0) + 1;
    perAccount.set(account, open);
    peaks.set(account, Math.max(open, peaks.get(account) ?? 0));
    entry.outcome = "pending";
    try {
      const outcome = await stream.run(answer, context.thinking, roughTokens(context.prompt));
      entry.outcome = outcome;
      if (outcome === "stopped" && !stream.closed) res.end(stoppedFrame(responseId));
    } finally {
      streams.delete(key);
      perAccount.set(account, (perAccount.get(account) ?? 1) - 1);
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        return json(res, 400, { detail: "body is not JSON" });
      }
      const headers = Object.fromEntries(Object.entries(req.headers).map(([key, value]) => [key, String(value)]));
      const entry: LoggedRequest = { method: req.method ?? "GET", path: new URL(req.url ?? "/", "http://double").pathname, headers, body };
      requests.push(entry);
      route(req, res, entry).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    auth,
    chats,
    requests,
    setReply: (next) => void (reply = next),
    failNext: (failure, target = "completion") => void failures.push({ failure, target }),
    openStreams: () => [...perAccount.values()].reduce((sum, count) => sum + count, 0),
    peakStreams: () => Object.fromEntries(peaks),
    requestsTo: (path) => requests.filter((request) => request.path.includes(path)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams.values()) stream.res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface CompletionMessage {
  content?: unknown;
  chat_type?: string;
  feature_config?: { output_schema?: string; thinking_enabled?: boolean; auto_search?: boolean };
}

interface CompletionBody {
  stream?: unknown;
  model: string;
  parent_id?: unknown;
  messages: unknown[];
}

function checkHeaders(req: IncomingMessage, versions: string[]): string | undefined {
  if (!/^[0-9a-f-]{36}$/i.test(String(req.headers["x-request-id"] ?? ""))) return "missing header x-request-id";
  if (req.headers.source !== "web") return "missing header source";
  if (!versions.includes(String(req.headers.version ?? ""))) return `unsupported client version ${String(req.headers.version ?? "(none)")}`;
  if (!req.headers["bx-v"]) return "missing header bx-v";
  return undefined;
}

function checkBody(body: CompletionBody, chat: DoubleChat): string | undefined {
  if (body.stream !== true) return "stream must be true";
  if (!Array.isArray(body.messages) || body.messages.length !== 1) return "only one user message is accepted";
  if (body.model !== chat.model) return "model does not match the chat";
  if (body.parent_id !== null && body.parent_id !== undefined && !chat.responseIds.includes(String(body.parent_id))) return "unknown parent_id";
  return undefined;
}

function envelope(success: boolean, data: unknown): unknown {
  return { success, request_id: crypto.randomUUID(), data };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

function sendFailure(res: ServerResponse, failure: DoubleFailure): void {
  switch (failure.kind) {
    case "waf":
      return json(res, 200, JSON.parse(WAF_BODY));
    case "waf-html":
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      return void res.end(WAF_HTML);
    case "stream-error": {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      const responseId = crypto.randomUUID();
      const before = (failure.afterAnswer ?? []).map((content) => `data: ${spacedJson({ choices: [{ delta: { role: "assistant", content, phase: "answer", status: "typing" } }], response_id: responseId })}\n\n`);
      return void res.end(`${before.join("")}${streamErrorFrame(responseId, failure.code, failure.details)}`);
    }
    case "envelope-error":
      return json(res, 200, envelope(false, { code: failure.code, details: failure.details, ...(failure.num !== undefined ? { num: failure.num } : {}) }));
    case "http":
      return json(res, failure.status, envelope(false, { code: `HTTP_${failure.status}`, details: `scripted HTTP ${failure.status}` }), failure.retryAfter !== undefined ? { "retry-after": String(failure.retryAfter) } : {});
    case "gateway-504":
      res.writeHead(504, { "content-type": "text/html" });
      return void res.end(GATEWAY_504);
    case "empty":
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      return void res.end();
    case "changed-shape":
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
      return void res.end('data: {"output": {"text": "Hello"}, "request_id": "x"}\n\ndata: {"output": {"finish_reason": "stop"}}\n\n');
  }
}
