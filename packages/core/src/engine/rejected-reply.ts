import type { CanonicalEvent, CanonicalMessage, CanonicalRequest } from "../canonical.js";
import type { Dialect } from "../dialect/dialect.js";
import { generateNonce } from "../dialect/generate-nonce.js";
import type { PolicyViolation } from "../policy/policy-violation.js";
import { resolveToolChoiceRules } from "../policy/tool-choice-rules.js";

/** The rejected reply and what was wrong with it, so the model can correct itself on the next attempt. */
export function repairTurns(violation: PolicyViolation, text: string): CanonicalMessage[] {
  const turns: CanonicalMessage[] = [];
  if (text.trim() !== "") turns.push({ role: "assistant", content: text });
  turns.push({
    role: "user",
    // An answer that broke the response format has no tool instructions to follow, only the answer format.
    content: `Your previous reply could not be used: ${violation.message} Reply again, following the ${violation.kind === "invalid_output" ? "answer format" : "tool instructions"} exactly.`,
  });
  return turns;
}

/**
 * Whether a call the model broke on every attempt may be answered as the model's plain text instead of a 502 (what
 * LM Studio does): only when the request can do without a call, tool_choice auto (or allowed_tools auto) and no
 * strict tool. A required or named call, or a strict tool, keeps the error: that client relies on a valid call.
 */
export function answersAsText(request: Pick<CanonicalRequest, "tools" | "toolChoice" | "parallelToolCalls" | "legacyFunctions">, violation: PolicyViolation): boolean {
  if (violation.kind !== "malformed_call" || request.toolChoice.type === "function") return false;
  return !resolveToolChoiceRules(request).required && !request.tools.some((tool) => tool.strict);
}

/**
 * The rejected reply as the client gets it then: its reasoning, then its text with every marker left as the model
 * wrote it. The text goes through a scanner that knows no tool and a nonce the model never saw, so `<think>` blocks
 * are still split out and nothing becomes a call.
 */
export function plainTextEvents(reply: { text: string; reasoning: string }, dialect: Dialect, reasoningOpen: boolean): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  if (reply.reasoning !== "") events.push({ type: "reasoning", text: reply.reasoning });
  const scanner = dialect.createScanner({ tools: [], nonce: generateNonce(), reasoningOpen });
  for (const event of [...scanner.push(reply.text), ...scanner.end()]) {
    if (event.type === "text" || event.type === "reasoning") events.push(event);
  }
  return events;
}
