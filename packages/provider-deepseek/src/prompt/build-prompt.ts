import type { CanonicalMessage } from "@toolshim/core";
import { DeepSeekFailure } from "../client/deepseek-failure.js";

/**
 * DeepSeek's own chat-template markers (full-width bar U+FF5C, "▁" U+2581), in the order a prompt uses them. The
 * model was trained on transcripts delimited by these, so it reads turn boundaries from them more reliably than from
 * role words, and an answer never starts by echoing a "User:" label.
 */
export const MARKERS = {
  begin: "<｜begin▁of▁sentence｜>",
  system: "<｜System｜>",
  endOfInstructions: "<｜end▁of▁instructions｜>",
  user: "<｜User｜>",
  assistant: "<｜Assistant｜>",
  endOfSentence: "<｜end▁of▁sentence｜>",
} as const;

const MARKER_LIST = Object.values(MARKERS);

type Role = "system" | "user" | "assistant";

/**
 * Flattens a conversation into the single `prompt` of a fresh web-chat session (reference §8.2, "Style B"):
 *
 *   <｜begin▁of▁sentence｜><｜System｜>S<｜end▁of▁instructions｜><｜User｜>Q1<｜Assistant｜>A1<｜end▁of▁sentence｜><｜User｜>Q2<｜Assistant｜>
 *
 * - adjacent messages with the same role are merged with a blank line (the template has no way to show two);
 * - a system message becomes a System block wherever it appears, so the provider declares `systemRole: true`;
 * - earlier reasoning is left out, as DeepSeek's own template does: the model was not trained to see it again;
 * - empty assistant turns are dropped; the prompt ends with an open Assistant marker;
 * - marker strings inside message text are defused (their full-width bars become ASCII bars), so a user message, a
 *   tool result or an echoed web page cannot forge a turn boundary.
 *
 * Tool calls and results arrive already rewritten into text by core's dialect; anything else is a 400.
 */
export function buildPrompt(messages: readonly CanonicalMessage[]): string {
  const blocks: { role: Role; text: string }[] = [];
  for (const [index, message] of messages.entries()) {
    const role = message.role;
    if (role === "tool") {
      throw new DeepSeekFailure(
        "unsupported_input",
        `messages[${index}] is a tool message; the DeepSeek web chat only takes text, so tool results must be rewritten by the engine first.`,
      );
    }
    const text = defuse(textOf(message, index));
    if (role === "assistant" && text.trim() === "") continue;
    const last = blocks.at(-1);
    if (last && last.role === role) last.text += `\n\n${text}`;
    else blocks.push({ role, text });
  }
  let prompt = MARKERS.begin;
  for (const block of blocks) {
    if (block.role === "system") {
      if (block.text.trim() !== "") prompt += `${MARKERS.system}${block.text}${MARKERS.endOfInstructions}`;
    } else if (block.role === "user") {
      prompt += `${MARKERS.user}${block.text}`;
    } else {
      prompt += `${MARKERS.assistant}${block.text}${MARKERS.endOfSentence}`;
    }
  }
  return `${prompt}${MARKERS.assistant}`;
}

function textOf(message: Exclude<CanonicalMessage, { role: "tool" }>, index: number): string {
  if (message.role === "assistant") return message.content ?? "";
  if (typeof message.content === "string") return message.content;
  const texts: string[] = [];
  for (const part of message.content) {
    if (part.type === "text") texts.push(part.text);
    else {
      throw new DeepSeekFailure(
        "unsupported_input",
        `messages[${index}] contains an image; this DeepSeek provider sends text only. Remove the image or use a vision-capable provider.`,
      );
    }
  }
  return texts.join("\n");
}

function defuse(text: string): string {
  if (!text.includes("<｜")) return text;
  let out = text;
  for (const marker of MARKER_LIST) {
    if (out.includes(marker)) out = out.split(marker).join(marker.replaceAll("｜", "|"));
  }
  return out;
}
