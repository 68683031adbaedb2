import { createScriptedFetch, type ScriptedFetch, type ScriptedReply } from "@toolshim/core/provider-utils";

/**
 * What the double answers to one chat request (the same shapes as the contract suite's scenarios): text pieces
 * then [DONE], a refusal with an HTTP status, pieces then a dropped connection, or pieces then silence.
 */
export type DoubleReply =
  | { kind: "text"; chunks: string[]; usage?: { inputTokens: number; outputTokens: number } }
  | { kind: "http-error"; status: number; retryAfter?: number }
  | { kind: "drop"; chunks: string[] }
  | { kind: "stall"; chunks: string[] };

/** What the double saw of one chat request. */
export interface DoubleRequest {
  model: string;
  prompt: string;
  authorization: string | null;
}

export interface WebChatDouble {
  /** Pass this as the provider's `fetch`; every request is answered from the script, with no network. */
  fetch: ScriptedFetch;
  /** Answers the next chat request with `reply`, or with what `reply` returns for it; unscripted: "Hello!". */
  script(reply: DoubleReply | ((request: DoubleRequest) => DoubleReply)): void;
  /** The chat requests received, in order. */
  requests: DoubleRequest[];
}

/**
 * A scripted protocol double of the Qwen web chat's wire format. Replace the frames below with ones recorded from
 * the real web chat as you learn it; the provider and the contract suite then run against exactly those bytes.
 */
export function createWebChatDouble(): WebChatDouble {
  const queue: (DoubleReply | ((request: DoubleRequest) => DoubleReply))[] = [];
  const requests: DoubleRequest[] = [];
  const fetch = createScriptedFetch((request, body): ScriptedReply => {
    if (request.method !== "POST" || !new URL(request.url).pathname.endsWith("/chat")) return { status: 404, frames: ['{"error":"not found"}'] };
    const authorization = request.headers.get("authorization");
    if (!authorization?.startsWith("Bearer ")) return { status: 401, frames: ['{"error":"missing token"}'] };
    const { model, prompt } = JSON.parse(body) as { model: string; prompt: string };
    const seen = { model, prompt, authorization };
    requests.push(seen);
    const next = queue.shift() ?? { kind: "text", chunks: ["Hello!"] };
    return framesFor(typeof next === "function" ? next(seen) : next);
  });
  return { fetch, requests, script: (reply) => void queue.push(reply) };
}

const frame = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`;

function framesFor(reply: DoubleReply): ScriptedReply {
  switch (reply.kind) {
    case "text": {
      const usage = reply.usage ? [frame({ usage: { input: reply.usage.inputTokens, output: reply.usage.outputTokens } })] : [];
      return { frames: [...reply.chunks.map((text) => frame({ text })), ...usage, "data: [DONE]\n\n"] };
    }
    case "http-error":
      return {
        status: reply.status,
        headers: { "content-type": "application/json", ...(reply.retryAfter !== undefined ? { "retry-after": String(reply.retryAfter) } : {}) },
        frames: [JSON.stringify({ error: `scripted HTTP ${reply.status}` })],
      };
    case "drop":
      return { frames: reply.chunks.map((text) => frame({ text })), end: "drop" };
    case "stall":
      return { frames: reply.chunks.map((text) => frame({ text })), end: "stall" };
  }
}
