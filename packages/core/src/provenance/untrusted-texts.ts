import type { CanonicalRequest } from "../canonical.js";

/**
 * Every text of the request the model did not write in this reply: system and developer text, user text (documents
 * and Responses/Anthropic input text decode into it), and tool results. Collected from the canonical request, so the
 * three wire APIs are covered by their decoders. Assistant turns are left out: earlier calls are stored as calls, not
 * as markup, and a model repeating its own earlier words is the model's authorship.
 */
export function untrustedTexts(request: CanonicalRequest): string[] {
  const texts: string[] = [];
  for (const message of request.messages) {
    switch (message.role) {
      case "system":
      case "tool":
        texts.push(message.content);
        break;
      case "user":
        if (typeof message.content === "string") texts.push(message.content);
        else for (const part of message.content) if (part.type === "text") texts.push(part.text);
        break;
      case "assistant":
        break;
    }
  }
  return texts.filter((text) => text !== "");
}
