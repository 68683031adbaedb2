// Test support for the double's own tests: a plain HTTP client for the DeepSeek routes, an SSE splitter and a generic
// patch applier written straight from §6.4 of the protocol reference (independent of the provider's stream parser).
import { encodePowResponse, solvePowChallenge, type PowChallenge } from "../../pow/index.js";

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed when the body is JSON. */
  json: any;
}

export class RawClient {
  constructor(
    readonly baseUrl: string,
    readonly profile: Record<string, string> = { "x-client-platform": "android", "x-client-version": "2.0.4" },
  ) {}

  async request(method: "GET" | "POST", route: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<RawResponse> {
    const response = await fetch(`${this.baseUrl}/api/v0/${route}`, {
      method,
      headers: { "content-type": "application/json", ...this.profile, ...headers },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal !== undefined && { signal }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  }

  post(route: string, body: unknown, token?: string, headers: Record<string, string> = {}): Promise<RawResponse> {
    return this.request("POST", route, body, { ...(token !== undefined && { authorization: `Bearer ${token}` }), ...headers });
  }

  get(route: string, token?: string): Promise<RawResponse> {
    return this.request("GET", route, undefined, token !== undefined ? { authorization: `Bearer ${token}` } : {});
  }

  async login(email: string, password: string): Promise<string> {
    const response = await this.post("users/login", { email, password, device_id: "deepseek_to_api", os: "android" });
    const token = response.json?.data?.biz_data?.user?.token;
    if (typeof token !== "string") throw new Error(`login failed: ${response.text}`);
    return token;
  }

  async createSession(token: string): Promise<string> {
    const response = await this.post("chat_session/create", { agent: "chat" }, token);
    const id = response.json?.data?.biz_data?.chat_session?.id;
    if (typeof id !== "string") throw new Error(`session failed: ${response.text}`);
    return id;
  }

  async challenge(token: string, targetPath = "/api/v0/chat/completion"): Promise<PowChallenge> {
    const response = await this.post("chat/create_pow_challenge", { target_path: targetPath }, token);
    const challenge = response.json?.data?.biz_data?.challenge;
    if (challenge === undefined) throw new Error(`challenge failed: ${response.text}`);
    return challenge as PowChallenge;
  }

  /** A fresh, correctly solved `x-ds-pow-response` header value. */
  async powHeader(token: string, targetPath?: string): Promise<string> {
    const challenge = await this.challenge(token, targetPath);
    return encodePowResponse(challenge, await solvePowChallenge(challenge));
  }

  async complete(
    token: string,
    body: Record<string, unknown> & { chat_session_id: string },
    options: { pow?: string; signal?: AbortSignal } = {},
  ): Promise<RawResponse> {
    const pow = options.pow ?? (await this.powHeader(token));
    return this.request(
      "POST",
      "chat/completion",
      { parent_message_id: null, prompt: "Hi", ref_file_ids: [], thinking_enabled: false, search_enabled: false, ...body },
      { authorization: `Bearer ${token}`, "x-ds-pow-response": pow },
      options.signal,
    );
  }

  async continueMessage(token: string, sessionId: string, messageId: number, pow?: string): Promise<RawResponse> {
    return this.post(
      "chat/continue",
      { chat_session_id: sessionId, message_id: messageId, fallback_to_resume: true },
      token,
      { "x-ds-pow-response": pow ?? (await this.powHeader(token)) },
    );
  }
}

export interface SseEvent {
  /** "message" for default events; "comment" for keep-alive comment blocks. */
  event: string;
  data: string;
}

/** Splits an event stream into events (LF line endings, blank-line separated, `:` comments kept as "comment"). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split("\n\n")) {
    if (block === "") continue;
    let event = "message";
    const data: string[] = [];
    let comment = false;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) comment = true;
      else if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ event, data: data.join("\n") });
    else if (comment) events.push({ event: "comment", data: "" });
  }
  return events;
}

/** The message state after applying every default-event patch of a stream (§6.4), plus the named events. */
export function decodeStream(text: string): { root: any; named: SseEvent[]; frames: any[] } {
  let root: any = {};
  let path = "";
  let op = "SET";
  const named: SseEvent[] = [];
  const frames: any[] = [];
  for (const event of parseSse(text)) {
    if (event.event !== "message") {
      named.push(event);
      continue;
    }
    const frame = JSON.parse(event.data);
    // A copy: the snapshot object becomes the live state and later patches change it.
    frames.push(structuredClone(frame));
    op = frame.o ?? op;
    path = frame.p ?? path;
    if (op !== "BATCH") {
      root = apply(root, path, op, frame.v);
      continue;
    }
    let subPath = "";
    let subOp = "SET";
    for (const sub of frame.v) {
      subOp = sub.o ?? subOp;
      subPath = sub.p ?? subPath;
      root = apply(root, path === "" ? subPath : `${path}/${subPath}`, subOp, sub.v);
    }
  }
  return { root, named, frames };
}

function apply(root: any, path: string, op: string, value: unknown): any {
  if (path === "") return op === "SET" ? value : root;
  const segments = path.split("/");
  let target = root;
  for (const segment of segments.slice(0, -1)) target = target[index(target, segment)];
  const last = index(target, segments.at(-1) ?? "");
  if (op === "SET") target[last] = value;
  else if (typeof target[last] === "string") target[last] += value;
  else if (Array.isArray(target[last])) target[last].push(...(value as unknown[]));
  else throw new Error(`APPEND to ${path}, which is neither a string nor an array`);
  return root;
}

function index(container: any, segment: string): string | number {
  if (!Array.isArray(container)) return segment;
  const n = Number(segment);
  return n < 0 ? container.length + n : n;
}

/** The content of every fragment of a type, joined. */
export function fragmentText(root: any, type: string): string {
  return (root.response?.fragments ?? []).filter((f: any) => f.type === type).map((f: any) => f.content).join("");
}
