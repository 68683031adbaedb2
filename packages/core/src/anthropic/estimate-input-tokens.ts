import type { CanonicalRequest, ContentPart } from "../canonical.js";

/** Anthropic bills an image by its pixels (about width × height / 750); without decoding it, assume a large one. */
const IMAGE_TOKENS = 1600;
/** Role markers and separators around each message. */
const MESSAGE_OVERHEAD = 4;

/**
 * A tokenizer-free estimate of a request's input tokens, for `count_tokens` and for the input count announced at the
 * start of a stream (before the upstream reports the real one). ASCII text counts a token per 4 characters, other
 * characters (CJK, emoji, accented letters) a token each; tools count their JSON definition; images a flat amount.
 * The upstream's tokenizer and the prompt toolshim renders for emulated tools both differ, so treat it as a budget
 * guide, not a bill.
 */
export function estimateInputTokens(request: Pick<CanonicalRequest, "messages" | "tools" | "responseFormat">): number {
  let tokens = 0;
  for (const message of request.messages) {
    tokens += MESSAGE_OVERHEAD;
    switch (message.role) {
      case "system":
        tokens += textTokens(message.content);
        break;
      case "user":
        tokens += typeof message.content === "string" ? textTokens(message.content) : partsTokens(message.content);
        break;
      case "assistant":
        tokens += textTokens(message.content ?? "") + textTokens(message.reasoning ?? "");
        for (const call of message.toolCalls ?? []) tokens += textTokens(call.name) + textTokens(call.arguments);
        break;
      case "tool":
        tokens += message.parts ? partsTokens(message.parts) : textTokens(message.content);
        break;
    }
  }
  for (const tool of request.tools) tokens += textTokens(JSON.stringify(tool));
  // JSON outputs put the schema into the prompt too.
  const format = request.responseFormat;
  if (format?.type === "json_schema" && format.schema) tokens += textTokens(JSON.stringify(format.schema));
  return tokens;
}

function partsTokens(parts: ContentPart[]): number {
  return parts.reduce((sum, part) => sum + (part.type === "text" ? textTokens(part.text) : IMAGE_TOKENS), 0);
}

function textTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (const char of text) {
    if (char.charCodeAt(0) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}
