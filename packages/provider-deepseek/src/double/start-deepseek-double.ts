import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { bizError, codeError, drop, ok, readBody, scriptedError, sendJson, sendMissingField, sendWaf } from "./double-http.js";
import type {
  Caller,
  DeepSeekDouble,
  DeepSeekDoubleOptions,
  DeepSeekDoubleState,
  DoubleAccount,
  DoubleAccountInit,
  DoubleRoute,
  DoubleScenario,
  DoubleSession,
  LoggedRequest,
  ReplyScript,
} from "./double-types.js";
import { PowLedger } from "./pow-ledger.js";
import { completionRoutes, type CompletionContext } from "./completion-routes.js";

const GET_ROUTES = new Set<DoubleRoute>(["users/current", "chat_session/fetch_page"]);
const POST_ROUTES = new Set<DoubleRoute>([
  "users/login",
  "chat_session/create",
  "chat_session/delete",
  "chat_session/delete_all",
  "chat/create_pow_challenge",
  "chat/completion",
  "chat/continue",
  "chat/stop_stream",
]);
/** Routes gated by `x-client-version` (the reference saw the gate on session create and PoW challenge). */
const VERSION_GATED = (route: DoubleRoute) => route.startsWith("chat");

/**
 * Start a loopback server that speaks the DeepSeek web-chat protocol (reference §10): login and tokens, client
 * version gate, chat sessions, real DeepSeekHashV1 proof of work, completion streams in the Gen-3 fragment-patch
 * format, `/chat/continue`, scenario switches and byte-for-byte replay of the reference captures.
 *
 * @example
 * const double = await startDeepSeekDouble({ accounts: [{ email: "a@example.com", password: "pw" }], reply: "Hi" });
 * // point the provider at double.url …
 * double.queueScenario({ kind: "rate-limit" });
 * await double.close();
 */
export async function startDeepSeekDouble(options: DeepSeekDoubleOptions = {}): Promise<DeepSeekDouble> {
  const now = options.now ?? Date.now;
  const state: DeepSeekDoubleState = {
    accounts: [],
    tokens: new Map(),
    sessions: new Map(),
    challenges: [],
    leases: new Map(),
    peakLeases: new Map(),
    requests: [],
  };
  const ledger = new PowLedger(state.challenges, {
    difficulty: options.powDifficulty ?? 1000,
    expireAfterMs: options.powExpireAfterMs ?? 300_000,
    now,
  });
  let defaultReply: ReplyScript = options.reply ?? "Hello from the DeepSeek double.";
  const replyQueue: ReplyScript[] = [];
  let defaultScenario: DoubleScenario | undefined = options.scenario;
  const scenarioQueue: DoubleScenario[] = [];
  let hold: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  const addAccount = (init: DoubleAccountInit): DoubleAccount => {
    const account: DoubleAccount = {
      id: 10_000 + state.accounts.length,
      password: init.password,
      status: init.status ?? "active",
      muteUntil: init.muteUntil ?? Math.floor(now() / 1000) + 7 * 86_400,
      tokens: new Set(),
      ...(init.email !== undefined && { email: init.email }),
      ...(init.mobile !== undefined && { mobile: init.mobile }),
    };
    state.accounts.push(account);
    if (init.token !== undefined) issueToken(account, init.token);
    return account;
  };
  const issueToken = (account: DoubleAccount, token = randomBytes(48).toString("base64")): string => {
    account.tokens.add(token);
    state.tokens.set(token, account.id);
    return token;
  };
  for (const init of options.accounts ?? []) addAccount(init);
  for (const token of options.tokens ?? []) state.tokens.set(token, undefined);

  const findAccount = (login: string) => state.accounts.find((a) => a.email === login || a.mobile === login);

  const routeOf = (scenario: DoubleScenario): DoubleRoute => ("route" in scenario && scenario.route) || "chat/completion";
  /** The next queued scenario for the route, else the default one when it targets the route. */
  const takeScenario = (route: DoubleRoute): DoubleScenario | undefined => {
    const index = scenarioQueue.findIndex((s) => routeOf(s) === route);
    if (index >= 0) return scenarioQueue.splice(index, 1)[0];
    return defaultScenario !== undefined && routeOf(defaultScenario) === route ? defaultScenario : undefined;
  };

  const authenticate = (req: IncomingMessage): Caller | undefined => {
    const match = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
    const token = match?.[1]?.trim();
    if (token === undefined || !state.tokens.has(token)) return undefined;
    const accountId = state.tokens.get(token);
    const account = state.accounts.find((a) => a.id === accountId);
    return account === undefined ? { token } : { token, account };
  };

  const ownedSession = (caller: Caller, id: unknown): DoubleSession | undefined => {
    const session = typeof id === "string" ? state.sessions.get(id) : undefined;
    if (session === undefined || session.deleted) return undefined;
    const mine = caller.account !== undefined ? session.accountId === caller.account.id : session.token === caller.token;
    return mine ? session : undefined;
  };

  const completion: CompletionContext = {
    state,
    ledger,
    options,
    now,
    takeReply: () => replyQueue.shift() ?? defaultReply,
    hold: () => hold,
    ownedSession,
  };
  const routes = completionRoutes(completion);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://double.local");
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw === "" ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const entry: LoggedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body,
      outcome: "pending",
    };
    state.requests.push(entry);
    const route = url.pathname.startsWith("/api/v0/") ? (url.pathname.slice("/api/v0/".length) as DoubleRoute) : undefined;
    if (route === undefined || !(GET_ROUTES.has(route) || POST_ROUTES.has(route))) {
      return sendJson(res, entry, 404, { detail: "Not Found" });
    }
    if ((GET_ROUTES.has(route) ? "GET" : "POST") !== req.method) {
      return sendJson(res, entry, 405, { detail: "Method Not Allowed" });
    }
    const scenario = takeScenario(route);
    if (scenario !== undefined) entry.scenario = scenario.kind;
    if (scenario?.kind === "waf") return sendWaf(res, entry, scenario.status ?? 202);
    if (scenario?.kind === "drop" && route !== "chat/completion" && route !== "chat/continue") return drop(res, entry);
    const fields = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

    if (route === "users/login") return login(res, entry, fields, scenario);
    const caller = authenticate(req);
    if (caller === undefined) return sendJson(res, entry, 200, codeError(40003, "Authorization Failed (invalid token)"));
    entry.token = caller.token;
    if (VERSION_GATED(route) && isOlder(header(req, "x-client-version"), options.minClientVersion ?? "2.0.0")) {
      return sendJson(res, entry, 200, codeError(40005, "CLIENT_VERSION_TOO_LOW"));
    }
    if (caller.account?.status === "banned") return sendJson(res, entry, 200, bizError(10, "USER_IS_BANNED"));
    if (scenario?.kind === "json-error" && route !== "chat/completion" && route !== "chat/continue") {
      return sendJson(res, entry, scenario.status ?? 200, scriptedError(scenario));
    }
    switch (route) {
      case "users/current":
        return sendJson(res, entry, 200, ok(userView(caller)));
      case "chat_session/create":
        return createSession(res, entry, caller);
      case "chat_session/delete": {
        const session = ownedSession(caller, fields.chat_session_id);
        if (session === undefined) return sendJson(res, entry, 200, bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
        session.deleted = true;
        return sendJson(res, entry, 200, ok(null));
      }
      case "chat_session/delete_all":
        for (const session of state.sessions.values()) if (ownedSession(caller, session.id) !== undefined) session.deleted = true;
        return sendJson(res, entry, 200, ok(null));
      case "chat_session/fetch_page": {
        const sessions = [...state.sessions.values()]
          .filter((s) => ownedSession(caller, s.id) !== undefined)
          .sort((a, b) => b.updatedAt - a.updatedAt)
          .map((s) => ({ id: s.id, title: s.title, title_type: s.title === null ? "WIP" : "SYSTEM", pinned: false, model_type: s.modelType, updated_at: s.updatedAt }));
        return sendJson(res, entry, 200, ok({ chat_sessions: sessions, has_more: false }));
      }
      case "chat/create_pow_challenge": {
        if (typeof fields.target_path !== "string") return sendMissingField(res, entry, "target_path");
        const { answer: _answer, token: _token, usedBy: _usedBy, ...challenge } = ledger.issue(fields.target_path, caller.token);
        return sendJson(res, entry, 200, ok({ challenge }));
      }
      case "chat/completion":
        return routes.completion(req, res, entry, caller, fields, scenario);
      case "chat/continue":
        return routes.continue(req, res, entry, caller, fields, scenario);
      case "chat/stop_stream":
        routes.stop(caller, fields);
        return sendJson(res, entry, 200, ok(null));
    }
  }

  function login(res: ServerResponse, entry: LoggedRequest, fields: Record<string, unknown>, scenario: DoubleScenario | undefined): void {
    if (typeof fields.password !== "string") return sendMissingField(res, entry, "password");
    if (scenario?.kind === "json-error") return sendJson(res, entry, scenario.status ?? 200, scriptedError(scenario));
    // The email wins when both are given (§3.2).
    const login = typeof fields.email === "string" && fields.email !== "" ? fields.email : typeof fields.mobile === "string" ? fields.mobile : "";
    const account = login === "" ? undefined : findAccount(login);
    if (account === undefined || account.password !== fields.password) {
      return sendJson(res, entry, 200, bizError(2, "PASSWORD_OR_USER_NAME_IS_WRONG"));
    }
    if (account.status === "banned") return sendJson(res, entry, 200, bizError(10, "USER_IS_BANNED"));
    if (account.status === "risk-device") return sendJson(res, entry, 200, bizError(11, "RISK_DEVICE_DETECTED"));
    const token = issueToken(account);
    return sendJson(res, entry, 200, ok({ code: 0, msg: "", user: userView({ token, account }) }));
  }

  function createSession(res: ServerResponse, entry: LoggedRequest, caller: Caller): void {
    const at = now() / 1000;
    const session: DoubleSession = {
      id: randomUUID(),
      token: caller.token,
      modelType: "default",
      createdAt: at,
      updatedAt: at,
      deleted: false,
      messages: [],
      lastResponseMessageId: null,
      title: null,
      ...(caller.account !== undefined && { accountId: caller.account.id }),
    };
    state.sessions.set(session.id, session);
    const view = {
      id: session.id,
      seq_id: 190_000_000 + state.sessions.size,
      agent: "chat",
      model_type: options.legacySessionShape === true ? "DEFAULT" : "default",
      title: null,
      title_type: "WIP",
      version: 0,
      current_message_id: null,
      pinned: false,
      inserted_at: Number(at.toFixed(3)),
      updated_at: Number(at.toFixed(3)),
    };
    return sendJson(res, entry, 200, ok(options.legacySessionShape === true ? view : { chat_session: view, ttl_seconds: 259_200 }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ detail: `double failure: ${String(error)}` }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    setReply: (reply) => void (defaultReply = reply),
    queueReplies: (...replies) => void replyQueue.push(...replies),
    setScenario: (scenario) => void (defaultScenario = scenario),
    queueScenario: (...scenarios) => void scenarioQueue.push(...scenarios),
    addAccount,
    setAccountStatus(login, status) {
      const account = findAccount(login);
      if (account === undefined) throw new Error(`No double account "${login}"`);
      account.status = status;
    },
    revokeToken(token) {
      state.tokens.delete(token);
      for (const account of state.accounts) account.tokens.delete(token);
    },
    holdStreams() {
      let release!: () => void;
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = undefined;
        release();
      };
    },
    requestsTo: (route) => state.requests.filter((r) => r.path === `/api/v0/${route}`),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a declared client version ("2.0.4", "1.3.0-auto-resume") is older than the minimum; absent is fine (§2.3 C). */
function isOlder(version: string | undefined, minimum: string): boolean {
  if (version === undefined) return false;
  const parse = (v: string) => (v.split("-")[0] ?? "").split(".").map((part) => Number.parseInt(part, 10) || 0);
  const a = parse(version);
  const b = parse(minimum);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

function userView(caller: Caller): Record<string, unknown> {
  const account = caller.account;
  const muted = account?.status === "muted";
  return {
    id: account?.id ?? 0,
    token: caller.token,
    email: account?.email ?? "",
    mobile_number: account?.mobile ?? "",
    chat: { is_muted: muted ? 1 : 0, mute_until: muted ? (account?.muteUntil ?? 0) : 0 },
  };
}
