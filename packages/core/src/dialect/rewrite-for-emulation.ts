import type {
  AssistantMessage,
  CanonicalMessage,
  CanonicalRequest,
  ContentPart,
  SystemMessage,
  ToolMessage,
  UserMessage,
} from "../canonical.js";
import type { Dialect, RenderContext } from "./dialect.js";
import { renderResponseFormat } from "./render-response-format.js";

export interface EmulationOptions {
  dialect: Dialect;
  /** This request's nonce: instructions and every replayed call and result carry it, so history teaches the live syntax. */
  nonce: string;
  /** False when the upstream takes no system role: instructions are folded into the first user turn. */
  systemRole: boolean;
}

const TOOLS_UNAVAILABLE = "No tools can be called in this reply: answer in plain text and do not write any call blocks.";
const HISTORY_FOR_REFERENCE = "The tool calls and results earlier in this conversation are shown for reference only.";

/**
 * The conversation as plain text turns for an upstream without native tools:
 * - one system message first: the client's leading system/developer text, then the dialect's tool instructions, then
 *   the `response_format` instruction (or, with `systemRole: false`, all of that at the top of the first user turn
 *   inside `<system_instructions>`); a system message later in the conversation becomes delimited user text, since
 *   many chat templates accept system text only at the start;
 * - assistant tool calls re-rendered by the dialect after the assistant's text, with the current nonce;
 * - tool results rendered by the dialect as user text, in the order the client sent them; images a tool returned stay
 *   inside its result, where the client put them;
 * - then consecutive turns of the same role are merged (blank line between), always: web chats and many chat templates
 *   require strictly alternating user/assistant turns, and merging loses nothing. Assistant turns left empty are
 *   dropped; reasoning from earlier turns is not replayed.
 * User image parts are kept; whether they reach the model is the provider's decision.
 */
export function rewriteForEmulation(request: CanonicalRequest, options: EmulationOptions): CanonicalMessage[] {
  const { dialect, nonce, systemRole } = options;
  const context: RenderContext = {
    tools: request.tools,
    toolChoice: request.toolChoice,
    parallelToolCalls: request.parallelToolCalls,
    nonce,
  };
  const toolText = dialect.renderTools(context);
  const usedTools = request.messages.some((m) => m.role === "tool" || (m.role === "assistant" && m.toolCalls?.length));
  let unavailable = "";
  if (toolText === "" && (request.tools.length > 0 || usedTools)) {
    unavailable = usedTools ? `${TOOLS_UNAVAILABLE} ${HISTORY_FOR_REFERENCE}` : TOOLS_UNAVAILABLE;
  }

  const leading: string[] = [];
  let start = 0;
  for (let m = request.messages[start]; m?.role === "system"; m = request.messages[++start]) leading.push(m.content);
  const instructions = joinBlocks([...leading, toolText, unavailable, renderResponseFormat(request.responseFormat, toolText !== "")]);

  const turns: (UserMessage | AssistantMessage)[] = [];
  for (const message of request.messages.slice(start)) {
    switch (message.role) {
      case "system":
        push(turns, { role: "user", content: delimitSystem(message.content) });
        break;
      case "user":
        push(turns, { role: "user", content: flattenText(message.content) });
        break;
      case "assistant": {
        const calls = (message.toolCalls ?? []).map((call) => dialect.renderCall(call, context));
        const text = joinBlocks([message.content ?? "", calls.join("\n")]);
        if (text !== "") push(turns, { role: "assistant", content: text });
        break;
      }
      case "tool":
        push(turns, { role: "user", content: renderToolResult(message, dialect, context) });
        break;
    }
  }

  if (instructions === "") return turns;
  if (systemRole) return [{ role: "system", content: instructions } satisfies SystemMessage, ...turns];
  const folded = delimitSystem(instructions);
  const [first] = turns;
  if (first?.role === "user") return [{ role: "user", content: mergeContent(folded, first.content) }, ...turns.slice(1)];
  return [{ role: "user", content: folded }, ...turns];
}

// Letters only, so no dialect escapes it: marks where a result's content goes in the dialect's rendering.
const CONTENT_PROBE = "qzxresultcontentprobe";

/**
 * A tool result as the dialect renders it. With images, the rendering is split where the content goes and the parts
 * are put there, so each image sits inside the result it belongs to rather than after all of them.
 */
function renderToolResult(message: ToolMessage, dialect: Dialect, context: RenderContext): string | ContentPart[] {
  const result = { callId: message.toolCallId, name: message.name, isError: message.isError };
  if (!message.parts?.some((part) => part.type === "image")) return dialect.renderResult({ ...result, content: message.content }, context);
  const rendered = dialect.renderResult({ ...result, content: CONTENT_PROBE }, context);
  const at = rendered.indexOf(CONTENT_PROBE);
  if (at < 0) return [{ type: "text", text: dialect.renderResult({ ...result, content: message.content }, context) }, ...images(message.parts)];
  const inner: ContentPart[] = [];
  for (const part of message.parts) {
    const last = inner.at(-1);
    if (part.type === "text" && last?.type === "text") last.text += `\n${part.text}`;
    else inner.push({ ...part });
  }
  const parts: ContentPart[] = [{ type: "text", text: rendered.slice(0, at) }];
  for (const part of [...inner, { type: "text", text: rendered.slice(at + CONTENT_PROBE.length) } as const]) {
    const last = parts.at(-1);
    if (part.type === "text" && last?.type === "text") last.text += part.text;
    else parts.push({ ...part });
  }
  return parts.filter((part) => part.type !== "text" || part.text !== "");
}

function images(parts: ContentPart[]): ContentPart[] {
  return parts.filter((part) => part.type === "image").map((part) => ({ ...part }));
}

function delimitSystem(text: string): string {
  return `<system_instructions>\n${text}\n</system_instructions>`;
}

function push(turns: (UserMessage | AssistantMessage)[], turn: UserMessage | AssistantMessage): void {
  const last = turns.at(-1);
  if (last?.role === "assistant" && turn.role === "assistant") {
    last.content = joinBlocks([last.content ?? "", turn.content ?? ""]);
  } else if (last?.role === "user" && turn.role === "user") {
    last.content = mergeContent(last.content, turn.content);
  } else {
    turns.push(turn);
  }
}

function mergeContent(a: string | ContentPart[], b: string | ContentPart[]): string | ContentPart[] {
  if (typeof a === "string" && typeof b === "string") return joinBlocks([a, b]);
  return [...asParts(a), { type: "text", text: "\n\n" }, ...asParts(b)];
}

function asParts(content: string | ContentPart[]): ContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** Parts that are all text become one string; parts with images stay parts. */
function flattenText(content: string | ContentPart[]): string | ContentPart[] {
  if (typeof content === "string") return content;
  if (content.some((part) => part.type !== "text")) return content.map((part) => ({ ...part }));
  return content.map((part) => (part.type === "text" ? part.text : "")).join("\n");
}

function joinBlocks(blocks: string[]): string {
  return blocks.filter((block) => block !== "").join("\n\n");
}
