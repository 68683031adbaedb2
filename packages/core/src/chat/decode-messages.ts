import type { AssistantMessage, CanonicalMessage, CanonicalToolCall, ContentPart, ImagePart, ToolMessage } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { jsonTextExceedsDepth, MAX_JSON_DEPTH } from "../policy/json-depth.js";
import type { ChatMessageBody } from "./chat-completion-request-schema.js";

type Message<Role extends ChatMessageBody["role"]> = Extract<ChatMessageBody, { role: Role }>;

/**
 * Chat Completions messages as canonical messages. Every tool result is linked to the call it answers: `tool` messages
 * by `tool_call_id`, legacy `function` messages by the latest call of that function. Legacy `function_call`s get an id
 * derived from their position, since the legacy protocol has none.
 */
export function decodeMessages(messages: ChatMessageBody[]): CanonicalMessage[] {
  const callNames = new Map<string, string>();
  const latestCallOf = new Map<string, string>();
  return messages.map((message, i): CanonicalMessage => {
    switch (message.role) {
      case "system":
      case "developer": {
        const system: CanonicalMessage = { role: "system", content: joinText(message.content) };
        if (message.role === "developer") system.developer = true;
        return system;
      }
      case "user":
        return message.name
          ? { role: "user", content: userContent(message.content), name: message.name }
          : { role: "user", content: userContent(message.content) };
      case "assistant": {
        const decoded = assistantMessage(message, i);
        for (const call of decoded.toolCalls ?? []) {
          callNames.set(call.id, call.name);
          latestCallOf.set(call.name, call.id);
        }
        return decoded;
      }
      case "tool": {
        const name = callNames.get(message.tool_call_id);
        if (name === undefined) {
          throw new InvalidRequestError(
            `'messages[${i}].tool_call_id' is ${JSON.stringify(message.tool_call_id)}, which matches no tool call in an earlier assistant message; ` +
              "send each tool result after the assistant message whose 'tool_calls' contains that id, with the id unchanged.",
            `messages[${i}].tool_call_id`,
          );
        }
        return toolMessage(message, name);
      }
      case "function": {
        const id = latestCallOf.get(message.name);
        if (id === undefined) {
          throw new InvalidRequestError(
            `'messages[${i}].name' is ${JSON.stringify(message.name)}, but no earlier assistant message called that function; ` +
              "send a function result after the assistant message whose 'function_call' it answers.",
            `messages[${i}].name`,
          );
        }
        return { role: "tool", toolCallId: id, name: message.name, content: message.content ?? "" };
      }
    }
  });
}

function assistantMessage(message: Message<"assistant">, i: number): AssistantMessage {
  const content = message.content === undefined || message.content === null ? null : joinText(message.content);
  const toolCalls: CanonicalToolCall[] = (message.tool_calls ?? []).map((call, j) =>
    call.type === "custom"
      ? { id: call.id, name: call.custom.name, arguments: call.custom.input, custom: true }
      : { id: call.id, name: call.function.name, arguments: argumentsText(call.function.arguments, `messages[${i}].tool_calls[${j}].function.arguments`) },
  );
  if (message.function_call) {
    toolCalls.push({
      id: `call_legacy_${i}`,
      name: message.function_call.name,
      arguments: argumentsText(message.function_call.arguments, `messages[${i}].function_call.arguments`),
    });
  }
  const decoded: AssistantMessage = { role: "assistant", content };
  if (toolCalls.length > 0) decoded.toolCalls = toolCalls;
  if (message.reasoning_content) decoded.reasoning = message.reasoning_content;
  return decoded;
}

/**
 * Arguments exactly as the client sent them, once known to be a JSON object: they are replayed to the model as an
 * example of a correct call. An empty string means no arguments (LangChain and the AI SDK read it that way too).
 */
function argumentsText(value: string | Record<string, unknown>, param: string): string {
  if (typeof value !== "string") return JSON.stringify(value);
  if (value.trim() === "") return "{}";
  if (jsonTextExceedsDepth(value, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(`'${param}' nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; toolshim accepts at most ${MAX_JSON_DEPTH}.`, param);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError(
      `'${param}' must be a JSON object encoded as a string, e.g. "{\\"city\\": \\"Paris\\"}"; got ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}.`,
      param,
    );
  }
  return value;
}

type TextLike = { type: "text"; text: string } | { type: "refusal"; refusal: string };

function joinText(content: string | TextLike[]): string {
  if (typeof content === "string") return content;
  return content.map((part) => (part.type === "text" ? part.text : part.refusal)).join("\n");
}

type UserPart = Exclude<Message<"user">["content"], string>[number];

function userContent(content: string | UserPart[]): string | ContentPart[] {
  if (typeof content === "string") return content;
  return content.map(contentPart);
}

function contentPart(part: UserPart): ContentPart {
  if (part.type === "text") return { type: "text", text: part.text };
  const source = typeof part.image_url === "string" ? { url: part.image_url } : part.image_url;
  const image: ImagePart = { type: "image", url: source.url };
  const detail = "detail" in source ? source.detail : undefined;
  if (detail === "auto" || detail === "low" || detail === "high") image.detail = detail;
  return image;
}

/** A result with images keeps its parts in order, so emulation can render each image inside its result. */
function toolMessage(message: Message<"tool">, name: string): ToolMessage {
  const content = message.content ?? "";
  const decoded: ToolMessage = { role: "tool", toolCallId: message.tool_call_id, name, content: "" };
  if (typeof content === "string" || content.every((part) => part.type === "text")) {
    decoded.content = typeof content === "string" ? content : joinText(content as TextLike[]);
    return decoded;
  }
  decoded.parts = content.map(contentPart);
  decoded.content = content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
  return decoded;
}
