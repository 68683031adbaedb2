import type { AssistantMessage, CanonicalMessage, CanonicalToolCall, ContentPart, ImagePart, ToolMessage } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { qualifiedName } from "./decode-response-tools.js";
import type { InputImagePart, InputTextPart, MessageContentPart, ResponseItem } from "./response-types.js";

/** An item and, for items of this request's own `input`, the field it came from; stored history has none. */
export interface ConversationItem {
  item: ResponseItem;
  param?: string;
}

/**
 * A Responses conversation (stored history followed by this request's input) as canonical messages. Consecutive
 * `function_call` items join the assistant message before them, every `function_call_output` must answer a call made
 * earlier in the conversation, and reasoning items are dropped: the upstream does its own thinking.
 * A result holding images keeps its parts in order, so emulation renders each image inside its own result.
 */
export function itemsToMessages(items: ConversationItem[]): CanonicalMessage[] {
  const messages: CanonicalMessage[] = [];
  const callNames = new Map<string, string>();

  for (const { item, param } of items) {
    switch (item.type) {
      case "message":
        messages.push(messageOf(item.role, item.content, param));
        break;
      case "custom_tool_call":
      case "function_call": {
        const name = qualifiedName(item.namespace, item.name);
        callNames.set(item.call_id, name);
        const call: CanonicalToolCall =
          item.type === "function_call"
            ? { id: item.call_id, name, arguments: item.arguments }
            : { id: item.call_id, name, arguments: item.input, custom: true };
        const last = messages.at(-1);
        if (last?.role === "assistant") (last.toolCalls ??= []).push(call);
        else messages.push({ role: "assistant", content: null, toolCalls: [call] });
        break;
      }
      case "custom_tool_call_output":
      case "function_call_output": {
        const name = callNames.get(item.call_id);
        if (name === undefined) {
          const where = param ?? "input";
          const call = item.type === "function_call_output" ? "function_call" : "custom_tool_call";
          throw new InvalidRequestError(
            `'${where}' is a ${item.type} for call_id ${JSON.stringify(item.call_id)}, but no ${call} with that ` +
              `call_id comes before it; send the ${call} item (or an item_reference to it, or the previous_response_id ` +
              "of the response that made the call) before its output.",
            param ? `${param}.call_id` : "input",
            "unknown_call_id",
          );
        }
        messages.push(toolMessageOf(item.call_id, name, item.output));
        break;
      }
      case "reasoning":
        break;
    }
  }
  return messages;
}

function toolMessageOf(callId: string, name: string, output: string | (InputTextPart | InputImagePart)[]): ToolMessage {
  if (typeof output === "string") return { role: "tool", toolCallId: callId, name, content: output };
  const parts: ContentPart[] = output.map((part) => (part.type === "input_text" ? { type: "text", text: part.text } : imageOf(part)));
  const content = output.flatMap((part) => (part.type === "input_text" ? [part.text] : [])).join("\n");
  const message: ToolMessage = { role: "tool", toolCallId: callId, name, content };
  if (parts.some((part) => part.type === "image")) message.parts = parts;
  return message;
}

function messageOf(role: "user" | "system" | "developer" | "assistant", content: MessageContentPart[], param: string | undefined): CanonicalMessage {
  if (role === "user") {
    const parts: ContentPart[] = content.map((part) => {
      if (part.type === "input_image") return imageOf(part);
      return { type: "text", text: part.type === "refusal" ? part.refusal : part.text };
    });
    const [only] = parts;
    return parts.length === 1 && only?.type === "text" ? { role: "user", content: only.text } : { role: "user", content: parts };
  }
  const text = content.map((part, j) => {
    if (part.type === "input_image") {
      const where = param ? `${param}.content[${j}]` : "input";
      throw new InvalidRequestError(`'${where}' is an image in a ${role} message; images are accepted only in user messages.`, where);
    }
    return part.type === "refusal" ? part.refusal : part.text;
  });
  if (role === "assistant") {
    const message: AssistantMessage = { role: "assistant", content: text.length > 0 ? text.join("") : null };
    return message;
  }
  return role === "developer" ? { role: "system", content: text.join("\n"), developer: true } : { role: "system", content: text.join("\n") };
}

function imageOf(part: InputImagePart): ImagePart {
  return { type: "image", url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) };
}
