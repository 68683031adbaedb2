import type { CanonicalMessage } from "@toolshim/core";

/**
 * The conversation as the one user message Qwen Chat accepts per request (reference §7.1: "only one user message").
 * A lone user turn goes as it is; otherwise each turn is labelled and the text ends on the last user turn, so the
 * model answers that.
 */
export function buildPrompt(messages: readonly CanonicalMessage[]): string {
  const only = messages[0];
  if (messages.length === 1 && only?.role === "user") return textOf(only);
  const label = { system: "System", user: "User", assistant: "Assistant", tool: "Tool" } as const;
  return messages.map((message) => `${label[message.role]}: ${textOf(message)}`).join("\n\n");
}

function textOf(message: CanonicalMessage): string {
  if (typeof message.content === "string") return message.content;
  if (message.content === null) return "";
  return message.content.map((part) => (part.type === "text" ? part.text : `[image: ${part.url}]`)).join("");
}
