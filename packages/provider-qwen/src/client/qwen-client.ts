import { retryAfterSeconds } from "@toolshim/core/provider-utils";
import { changedShape, type FailureContext, httpFailure, isRecord, isWafBody, parseEnvelope, businessFailure, wafFailure } from "./failures.js";
import { browserHeaders, type ProtocolProfile } from "./protocol-profile.js";

export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export interface CompletionOptions {
  model: string;
  prompt: string;
  thinking: boolean;
  search: boolean;
}

/** The HTTP calls of one chat cycle (protocol reference §4, §5, §6, §7). Every answer is checked and typed. */
export class QwenClient {
  constructor(
    readonly baseURL: string,
    readonly profile: ProtocolProfile,
    readonly fetch: Fetch,
  ) {}

  #url(path: string): string {
    return `${this.baseURL.replace(/\/+$/, "")}${path}`;
  }

  /** Signs in with e-mail and SHA-256-hex password; tries each configured path while the previous one is missing. */
  async signIn(email: string, password: string, context: FailureContext, signal?: AbortSignal): Promise<string> {
    const body = JSON.stringify({ email, password: await sha256Hex(password) });
    let lastStatus = 0;
    for (const path of this.profile.signinPaths) {
      const headers = browserHeaders(this.profile, { referer: `${this.baseURL}/auth?action=signin`, json: true });
      const response = await this.fetch(this.#url(path), { method: "POST", headers, body, ...(signal && { signal }) });
      const text = await response.text();
      lastStatus = response.status;
      if (response.status === 404 || response.status === 405) continue;
      if (!response.ok) throw httpFailure(response.status, text, retryAfterSeconds(response.headers), context);
      const value = parseJson(text);
      const token = isRecord(value) ? (typeof value.token === "string" ? value.token : isRecord(value.data) && typeof value.data.token === "string" ? value.data.token : undefined) : undefined;
      if (token) return token;
      throw failureOf(text, context) ?? changedShape("a sign-in answer without a token", context);
    }
    throw changedShape(`HTTP ${lastStatus} from every sign-in path (${this.profile.signinPaths.join(", ")})`, context);
  }

  /** The upstream's model list: `data.data` of `/api/v2/models/`, or `data` of `/api/models`. */
  async listModels(token: string | undefined, context: FailureContext): Promise<Record<string, unknown>[]> {
    const value = await this.#json("GET", this.profile.modelsPath, token, undefined, context);
    const list = isRecord(value) && isRecord(value.data) ? value.data.data : isRecord(value) ? value.data : undefined;
    if (!Array.isArray(list)) throw changedShape("a model list without data", context);
    return list.filter(isRecord);
  }

  async newChat(token: string, model: string, chatType: string, context: FailureContext, signal: AbortSignal): Promise<string> {
    const body = { chatId: "", title: "New Chat", models: [model], project_id: "", chat_mode: "normal", chat_type: chatType, timestamp: Date.now() };
    const value = await this.#json("POST", "/api/v2/chats/new", token, body, context, signal);
    const id = isRecord(value) && isRecord(value.data) ? value.data.id : undefined;
    if (typeof id !== "string" || id === "") throw changedShape("a new chat without data.id", context);
    return id;
  }

  /** Starts the streamed completion; the caller reads (and owns) the body. */
  async complete(token: string, chatId: string, options: CompletionOptions, signal: AbortSignal): Promise<Response> {
    const seconds = Math.floor(Date.now() / 1000);
    const chatType = options.search ? "search" : "t2t";
    const message = {
      fid: crypto.randomUUID(),
      parentId: null,
      parent_id: null,
      childrenIds: [crypto.randomUUID()],
      role: "user",
      content: options.prompt,
      user_action: "chat",
      files: [],
      timestamp: seconds,
      models: [options.model],
      chat_type: chatType,
      sub_chat_type: chatType,
      feature_config: {
        thinking_enabled: options.thinking,
        auto_thinking: false,
        thinking_mode: options.thinking ? this.profile.thinkingMode : this.profile.fastMode,
        thinking_format: this.profile.thinkingFormat,
        output_schema: "phase",
        research_mode: "normal",
        auto_search: options.search,
      },
      extra: { meta: { subChatType: chatType } },
    };
    const body = {
      stream: true,
      version: this.profile.completionVersion,
      incremental_output: true,
      chat_id: chatId,
      chat_mode: "normal",
      model: options.model,
      parent_id: null,
      messages: [message],
      timestamp: seconds,
    };
    const headers = browserHeaders(this.profile, { token, referer: `${this.baseURL}/c/${chatId}`, json: false });
    return this.fetch(this.#url(`/api/v2/chat/completions?chat_id=${encodeURIComponent(chatId)}`), { method: "POST", headers, body: JSON.stringify(body), signal });
  }

  /** Asks Qwen Chat to stop generating (the client left); best effort. */
  async stop(token: string, chatId: string, responseId: string, signal: AbortSignal): Promise<void> {
    const headers = browserHeaders(this.profile, { token, referer: `${this.baseURL}/c/${chatId}`, json: true });
    const response = await this.fetch(this.#url("/api/v2/chat/completions/stop"), { method: "POST", headers, body: JSON.stringify({ chat_id: chatId, response_id: responseId }), signal });
    await response.body?.cancel();
  }

  async deleteChat(token: string, chatId: string, signal: AbortSignal): Promise<void> {
    const headers = browserHeaders(this.profile, { token, referer: `${this.baseURL}/c/${chatId}`, json: true });
    const response = await this.fetch(this.#url(`/api/v2/chats/${encodeURIComponent(chatId)}`), { method: "DELETE", headers, signal });
    await response.body?.cancel();
  }

  async #json(method: string, path: string, token: string | undefined, body: unknown, context: FailureContext, signal?: AbortSignal): Promise<unknown> {
    const headers = browserHeaders(this.profile, { ...(token !== undefined && { token }), referer: `${this.baseURL}/`, json: true });
    const response = await this.fetch(this.#url(path), { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }), ...(signal && { signal }) });
    const text = await response.text();
    if (!response.ok) throw httpFailure(response.status, text, retryAfterSeconds(response.headers), context);
    const failure = failureOf(text, context);
    if (failure) throw failure;
    const value = parseJson(text);
    if (value === undefined) throw changedShape(`a body that is not JSON: ${text.slice(0, 80)}`, context);
    return value;
  }
}

/** The failure an HTTP 200 body carries (WAF page or JSON, `success: false` envelope), if any. */
export function failureOf(text: string, context: FailureContext): Error | undefined {
  if (isWafBody(text)) return wafFailure(context);
  const envelope = parseEnvelope(text);
  return envelope ? businessFailure(envelope.code, envelope.details, context, envelope.num) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
