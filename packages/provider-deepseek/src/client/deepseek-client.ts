import type { Account } from "../accounts/account.js";
import { Secret } from "@toolshim/core/provider-utils";
import type { PowChallenge } from "../pow/index.js";
import { DeepSeekFailure } from "./deepseek-failure.js";
import { blockedFailure, type EnvelopeContext, envelopeFailure, muteUntilOf, nonJsonFailure, readEnvelope } from "./envelope.js";
import { type HeaderProfile, identityHeaders } from "./header-profile.js";

export const COMPLETION_PATH = "/api/v0/chat/completion";
export const CONTINUE_PATH = "/api/v0/chat/continue";

export interface DeepSeekClientOptions {
  baseURL: string;
  headers: HeaderProfile;
  fetch: typeof fetch;
  /** Bound on each non-streaming call (login, session, PoW challenge). */
  requestTimeoutMs: number;
}

export interface LoginResult {
  token: Secret;
  /** Set when the login succeeded but the account is muted. */
  muteUntil?: number;
}

export interface CompletionBody {
  chat_session_id: string;
  parent_message_id: number | null;
  model_type: string;
  prompt: string;
  ref_file_ids: string[];
  thinking_enabled: boolean;
  search_enabled: boolean;
}

export interface ContinueBody {
  chat_session_id: string;
  message_id: number;
  fallback_to_resume: boolean;
}

/** The DeepSeek web endpoints the provider uses (reference §3–§6), one method each. Credentials never leave here. */
export class DeepSeekClient {
  readonly #options: DeepSeekClientOptions;

  constructor(options: DeepSeekClientOptions) {
    this.#options = { ...options, baseURL: options.baseURL.replace(/\/+$/, "") };
  }

  async login(account: Account, signal?: AbortSignal): Promise<LoginResult> {
    const password = account.password?.reveal() ?? "";
    const common = { password, device_id: account.deviceId ?? "deepseek_to_api", os: this.#options.headers.platform };
    const body =
      account.email !== undefined
        ? { email: account.email, ...common }
        : { mobile: normalizeMobile(account.mobile ?? ""), area_code: account.areaCode ?? null, ...common };
    const data = await this.#call("/api/v0/users/login", body, undefined, signal, "log in");
    const user = typeof data.user === "object" && data.user !== null ? (data.user as Record<string, unknown>) : {};
    if (typeof user.token !== "string" || user.token === "") {
      throw new DeepSeekFailure("upstream", "DeepSeek's login answer carries no token; the login flow has probably changed.");
    }
    const result: LoginResult = { token: new Secret(user.token) };
    const chat = typeof user.chat === "object" && user.chat !== null ? (user.chat as Record<string, unknown>) : {};
    const muteUntil = chat.is_muted === true || chat.is_muted === 1 ? (muteUntilOf(chat) ?? muteUntilOf(user)) : undefined;
    if (muteUntil !== undefined) result.muteUntil = muteUntil;
    return result;
  }

  /** A fresh chat session; accepts both the current (`chat_session.id`) and the older (`id`) answer shapes. */
  async createSession(token: Secret, signal?: AbortSignal): Promise<string> {
    const data = await this.#call("/api/v0/chat_session/create", { agent: "chat" }, token, signal, "create a chat session");
    const nested = typeof data.chat_session === "object" && data.chat_session !== null ? (data.chat_session as { id?: unknown }).id : undefined;
    const id = nested ?? data.id;
    if (typeof id !== "string" || id === "") {
      throw new DeepSeekFailure("upstream", "DeepSeek's create-session answer carries no session id; the web protocol has probably changed.");
    }
    return id;
  }

  async deleteSession(token: Secret, sessionId: string, signal?: AbortSignal): Promise<void> {
    await this.#call("/api/v0/chat_session/delete", { chat_session_id: sessionId }, token, signal, "delete a chat session");
  }

  /** Tells the server to stop generating an answer nobody reads any more (the web client's stop button; no PoW). */
  async stopStream(token: Secret, sessionId: string, messageId: number, signal?: AbortSignal): Promise<void> {
    await this.#call("/api/v0/chat/stop_stream", { chat_session_id: sessionId, message_id: messageId }, token, signal, "stop an answer");
  }

  async createPowChallenge(token: Secret, targetPath: string, signal?: AbortSignal): Promise<PowChallenge> {
    const data = await this.#call("/api/v0/chat/create_pow_challenge", { target_path: targetPath }, token, signal, "get a proof-of-work challenge");
    const challenge = data.challenge;
    if (typeof challenge !== "object" || challenge === null) {
      throw new DeepSeekFailure("upstream", "DeepSeek's proof-of-work answer carries no challenge; the web protocol has probably changed.");
    }
    return challenge as PowChallenge;
  }

  /**
   * POSTs a completion or continue request and returns its event stream. A JSON (or HTML) answer instead of a stream
   * is the failure it describes. The stream is not bounded in time: answers with long reasoning take minutes.
   */
  async openStream(
    path: typeof COMPLETION_PATH | typeof CONTINUE_PATH,
    token: Secret,
    powResponse: string,
    body: CompletionBody | ContinueBody,
    signal: AbortSignal,
  ): Promise<ReadableStream<Uint8Array>> {
    const context = this.#context(path === COMPLETION_PATH ? "send the message" : "continue the answer");
    const response = await this.#fetch(path, body, token, signal, context, { "x-ds-pow-response": powResponse, accept: "text/event-stream" });
    const contentType = response.headers.get("content-type") ?? "";
    if (response.ok && contentType.includes("text/event-stream") && response.body) return response.body;
    const text = await response.text();
    const failure = blockedFailure(response, text, context) ?? this.#jsonFailure(response, text, context);
    throw failure;
  }

  #jsonFailure(response: Response, text: string, context: EnvelopeContext): DeepSeekFailure {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return nonJsonFailure(response, text, context);
    }
    return (
      envelopeFailure(json, response.status, context) ??
      new DeepSeekFailure("upstream", `DeepSeek answered without an event stream while trying to ${context.operation}.`, {
        upstreamStatus: response.status,
      })
    );
  }

  async #call(path: string, body: unknown, token: Secret | undefined, signal: AbortSignal | undefined, operation: string) {
    const timeout = AbortSignal.timeout(this.#options.requestTimeoutMs);
    const bounded = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const context = this.#context(operation);
    try {
      const response = await this.#fetch(path, body, token, bounded, context);
      return await readEnvelope(response, context);
    } catch (error) {
      throw translateError(error, signal, timeout, context);
    }
  }

  async #fetch(
    path: string,
    body: unknown,
    token: Secret | undefined,
    signal: AbortSignal,
    context: EnvelopeContext,
    extra: Record<string, string> = {},
  ): Promise<Response> {
    const headers = identityHeaders(this.#options.headers);
    if (token) headers.authorization = `Bearer ${token.reveal()}`;
    Object.assign(headers, extra);
    try {
      return await this.#options.fetch(`${this.#options.baseURL}${path}`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw translateError(error, signal, undefined, context);
    }
  }

  #context(operation: string): EnvelopeContext {
    return { operation, clientVersion: this.#options.headers.clientVersion };
  }
}

/**
 * A network failure or timeout becomes a retryable upstream failure; the caller's own abort passes through untouched
 * so the request ends as an abort, not as an upstream error.
 */
function translateError(error: unknown, caller: AbortSignal | undefined, timeout: AbortSignal | undefined, context: EnvelopeContext): unknown {
  if (error instanceof DeepSeekFailure) return error;
  if (caller?.aborted) return caller.reason;
  if (timeout?.aborted) {
    return new DeepSeekFailure("upstream", `DeepSeek did not answer in time while trying to ${context.operation}.`, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new DeepSeekFailure("upstream", `Could not reach DeepSeek to ${context.operation}: ${reason}.`, { cause: error });
}

/** Digits only; a mainland number written with its country code loses it, as the server expects (reference §3.2). */
function normalizeMobile(mobile: string): string {
  const digits = mobile.replace(/\D/g, "");
  return digits.length === 13 && digits.startsWith("86") ? digits.slice(2) : digits;
}
