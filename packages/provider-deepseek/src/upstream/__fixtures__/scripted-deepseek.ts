import { readFileSync } from "node:fs";
import { decodePowResponse, deepSeekHashV1 } from "../../pow/index.js";

/**
 * A scripted DeepSeek web API behind an injected `fetch`: the provider's real client, PoW solver and parser run
 * against it, and each test scripts only what the completion endpoint answers. It checks what the real server
 * checks (bearer tokens, PoW answers, session ids) and records everything for assertions. The full protocol double
 * with its own HTTP server lives in `src/double/`; this one is for fast unit tests of the provider's decisions.
 */

const encoder = new TextEncoder();
export const capture = (name: string) => readFileSync(new URL(`../../stream/__fixtures__/${name}`, import.meta.url));

export type CompletionScript = (call: { token: string; body: Record<string, unknown>; path: string }) => Response;

export interface ScriptedOptions {
  /** email → password; a login returns `login-token-<email>`. */
  logins?: Record<string, string>;
  /** Tokens accepted on authorized calls. */
  tokens?: string[];
  /** Answers of successive completion/continue calls; default: capture A. */
  completions?: CompletionScript[];
  /** Reject this many PoW answers before accepting. */
  rejectPow?: number;
  /** Envelope returned for session creation instead of success. */
  createSessionError?: unknown;
  waf?: boolean;
}

export function sse(text: string | Uint8Array, options: { hang?: boolean; dropAfter?: boolean } = {}): Response {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      if (!options.hang && !options.dropAfter) controller.close();
    },
    // Called once the enqueued bytes were read: erroring in start would discard them.
    pull(controller) {
      if (options.dropAfter) controller.error(new TypeError("terminated"));
    },
    cancel() {
      cancelled = true;
    },
  });
  const response = new Response(stream, { status: 200, headers: { "content-type": "text/event-stream" } });
  Object.defineProperty(response, "cancelled", { get: () => cancelled });
  return response;
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

const ok = (biz_data: unknown) => json({ code: 0, msg: "", data: { biz_code: 0, biz_msg: "", biz_data } });
const invalidToken = () => json({ code: 40003, msg: "Authorization Failed (invalid token)", data: null });

export function scriptedDeepSeek(options: ScriptedOptions = {}) {
  const state = {
    calls: [] as { path: string; token?: string; body: Record<string, unknown>; headers: Record<string, string> }[],
    logins: 0,
    sessions: new Map<string, { token: string; deleted: boolean }>(),
    powAccepted: 0,
    powRejected: 0,
    stopped: [] as { sessionId: string; messageId: number }[],
  };
  const tokens = new Set(options.tokens ?? []);
  const completions = [...(options.completions ?? [])];
  const challenges = new Map<string, { answer: number; used: boolean }>();
  let nextId = 1;
  let rejectPow = options.rejectPow ?? 0;

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = JSON.parse(String(init?.body ?? "{}")) as Record<string, unknown>;
    const token = headers.authorization?.replace(/^Bearer /, "");
    state.calls.push({ path: url.pathname, ...(token ? { token } : {}), body, headers });
    init?.signal?.throwIfAborted();
    if (options.waf) return new Response("", { status: 202, headers: { "x-amzn-waf-action": "challenge" } });

    if (url.pathname === "/api/v0/users/login") {
      state.logins++;
      const email = String(body.email);
      if (options.logins?.[email] !== body.password) {
        return json({ code: 0, msg: "", data: { biz_code: 2, biz_msg: "PASSWORD_OR_USER_NAME_IS_WRONG", biz_data: null } });
      }
      const issued = `login-token-${email}`;
      tokens.add(issued);
      return ok({ user: { id: "u1", token: issued, chat: { is_muted: 0 } } });
    }
    if (!token || !tokens.has(token)) return invalidToken();

    switch (url.pathname) {
      case "/api/v0/chat_session/create": {
        if (options.createSessionError) return json(options.createSessionError);
        const id = `00000000-0000-4000-8000-${String(nextId++).padStart(12, "0")}`;
        state.sessions.set(id, { token, deleted: false });
        return ok({ chat_session: { id, seq_id: 1, agent: "chat" }, ttl_seconds: 259200 });
      }
      case "/api/v0/chat_session/delete": {
        const session = state.sessions.get(String(body.chat_session_id));
        if (!session) return json({ code: 0, msg: "", data: { biz_code: 1, biz_msg: "ILLEGAL_CHAT_SESSION_ID", biz_data: null } });
        session.deleted = true;
        return ok(null);
      }
      case "/api/v0/chat/stop_stream":
        state.stopped.push({ sessionId: String(body.chat_session_id), messageId: Number(body.message_id) });
        return ok(null);
      case "/api/v0/chat/create_pow_challenge": {
        const salt = `salt${nextId++}`.padEnd(20, "0");
        const expire_at = 1_900_000_000_000;
        const answer = 7;
        const challenge = deepSeekHashV1(`${salt}_${expire_at}_${answer}`);
        challenges.set(challenge, { answer, used: false });
        return ok({
          challenge: { algorithm: "DeepSeekHashV1", challenge, salt, signature: "sig", difficulty: 50, expire_at, expire_after: 300000, target_path: body.target_path },
        });
      }
      case "/api/v0/chat/completion":
      case "/api/v0/chat/continue": {
        const pow = decodePowResponse(headers["x-ds-pow-response"] ?? "");
        const issued = pow ? challenges.get(pow.challenge) : undefined;
        if (!pow || !issued || issued.used || issued.answer !== pow.answer || pow.target_path !== url.pathname) {
          state.powRejected++;
          return json({ code: 40300, msg: "MISSING_HEADER", data: null });
        }
        issued.used = true;
        if (rejectPow > 0) {
          rejectPow--;
          state.powRejected++;
          return new Response("INVALID_POW_RESPONSE", { status: 400, headers: { "content-type": "text/plain" } });
        }
        state.powAccepted++;
        if (!state.sessions.has(String(body.chat_session_id))) {
          return json({ code: 0, msg: "", data: { biz_code: 1, biz_msg: "ILLEGAL_CHAT_SESSION_ID", biz_data: null } });
        }
        const script = completions.shift();
        return script ? script({ token, body, path: url.pathname }) : sse(capture("a-markdown-thinking.sse"));
      }
      default:
        return json({ code: 404, msg: "not found", data: null }, 404);
    }
  };

  return { fetch: fetch as typeof globalThis.fetch, state };
}
