import { type CanonicalMessage, UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import {
  defineProvider,
  type ProviderContext,
  ReasoningSplitter,
  redactSecrets,
  retryAfterSeconds,
  SseDecoder,
  strictSettings,
} from "@toolshim/core/provider-utils";
import { z } from "zod";

/** The keys under `providers.<name>` in toolshim's config file (besides `use` and `timeouts`, which are the server's). */
export const settingsSchema = strictSettings({
  /** Where the web chat's API lives. */
  baseURL: z.url({ protocol: /^https?$/ }),
  /** The session token, sent as `Authorization: Bearer <token>`. Never logged. */
  token: z.string().min(1),
  /** The model ids this provider serves. */
  models: z.array(z.string().min(1)).min(1).default(["qwen-chat"]),
});

export type Settings = z.output<typeof settingsSchema>;

/** `use: @toolshim/provider-qwen`: the Qwen web chat. */
export const qwenProvider = defineProvider({
  specificationVersion: "v1",
  name: "qwen",
  description: "the Qwen web chat",
  settings: settingsSchema,
  create(settings, context) {
    return {
      name: context.name,
      async listModels() {
        // A web chat has no native tools: toolshim emulates them in the prompt.
        return settings.models.map((id) => ({ id, capabilities: { nativeTools: false, reasoning: true, systemRole: false, vision: false } }));
      },
      stream: (request, signal) => streamAnswer(request, signal, settings, context),
      async health() {
        return { status: "ok", models: settings.models.length };
      },
    };
  },
});

export default qwenProvider;

/** One prompt text from the conversation: a web chat takes one message, not a list of turns. */
export function buildPrompt(messages: readonly CanonicalMessage[]): string {
  const label = { system: "System", user: "User", assistant: "Assistant", tool: "Tool" } as const;
  return messages.map((message) => `${label[message.role]}: ${textOf(message)}`).join("\n\n");
}

function textOf(message: CanonicalMessage): string {
  if (typeof message.content === "string") return message.content;
  if (message.content === null) return "";
  return message.content.map((part) => (part.type === "text" ? part.text : `[image: ${part.url}]`)).join("");
}

/** The wire format's frames: `data: {"text": "…"}`, `data: {"usage": {…}}`, `data: {"error": "…"}`, `data: [DONE]`. */
interface Frame {
  text?: unknown;
  usage?: { input?: unknown; output?: unknown };
  error?: unknown;
}

async function* streamAnswer(request: UpstreamRequest, signal: AbortSignal, settings: Settings, context: ProviderContext): AsyncGenerator<UpstreamEvent> {
  const redact = (text: string) => redactSecrets(text, [settings.token]);
  const response = await context.fetch(`${settings.baseURL.replace(/\/+$/, "")}/chat`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${settings.token}` },
    body: JSON.stringify({ model: request.model, prompt: buildPrompt(request.messages) }),
    signal,
  });
  if (!response.ok) throw await httpError(response, redact);
  if (!response.body) throw new UpstreamError("The Qwen web chat answered without a body.", { status: 502, retryable: true, code: "upstream_malformed" });
  const reader = response.body.getReader();
  const sse = new SseDecoder();
  // Inline <think>…</think> becomes reasoning; toolshim streams it as reasoning_content.
  const reasoning = new ReasoningSplitter();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      for (const event of done ? sse.end() : sse.pushBytes(value)) {
        if (event.data === "[DONE]") {
          yield* reasoning.flush();
          yield { type: "end", reason: "stop" };
          return;
        }
        const frame = parseFrame(event.data, redact);
        if (typeof frame.text === "string") yield* reasoning.push(frame.text);
        if (frame.usage) yield usageOf(frame.usage);
      }
      if (done) throw new UpstreamError("The Qwen web chat ended the answer without [DONE].", { status: 502, retryable: true, code: "upstream_incomplete" });
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof UpstreamError) throw error;
    throw new UpstreamError(`The connection to the Qwen web chat broke mid-answer: ${redact(String(error))}`, {
      status: 502,
      retryable: true,
      code: "upstream_connection_lost",
      cause: error,
    });
  } finally {
    // Whether the answer ended, failed or the client left: let go of the connection.
    await reader.cancel().catch(() => {});
  }
}

function parseFrame(data: string, redact: (text: string) => string): Frame {
  let frame: Frame;
  try {
    frame = JSON.parse(data) as Frame;
  } catch {
    throw new UpstreamError(`The Qwen web chat sent a frame that is not JSON: ${redact(data.slice(0, 200))}`, { status: 502, retryable: true, code: "upstream_malformed" });
  }
  if (frame.error !== undefined) {
    throw new UpstreamError(`The Qwen web chat failed mid-answer: ${redact(String(frame.error))}`, { status: 502, retryable: true, code: "upstream_error" });
  }
  return frame;
}

function usageOf(usage: NonNullable<Frame["usage"]>): UpstreamEvent {
  const count = (value: unknown) => (typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined);
  return { type: "usage", inputTokens: count(usage.input), outputTokens: count(usage.output) };
}

/** The UpstreamError for a refused request: toolshim answers the client with its status and message. */
async function httpError(response: Response, redact: (text: string) => string): Promise<UpstreamError> {
  const body = redact((await response.text().catch(() => "")).trim().slice(0, 300));
  const upstreamStatus = response.status;
  const from = `the Qwen web chat answered HTTP ${upstreamStatus}${body ? `: ${body}` : ""}`;
  if (upstreamStatus === 429) {
    const retryAfter = retryAfterSeconds(response.headers);
    return new UpstreamError(`Rate limited: ${from}`, { status: 429, retryable: true, code: "rate_limited", upstreamStatus, ...(retryAfter !== undefined ? { retryAfter } : {}) });
  }
  if (upstreamStatus === 401 || upstreamStatus === 403) {
    return new UpstreamError(`The token was refused: ${from}. Renew the token in the config.`, { status: 502, retryable: false, code: "upstream_auth_failed", upstreamStatus });
  }
  if (upstreamStatus >= 500) return new UpstreamError(`The web chat failed: ${from}`, { status: 502, retryable: true, code: "upstream_error", upstreamStatus });
  return new UpstreamError(`The web chat refused the request: ${from}`, { status: 400, retryable: false, code: "upstream_bad_request", upstreamStatus });
}
