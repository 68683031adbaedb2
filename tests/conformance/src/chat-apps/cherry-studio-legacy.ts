import type { MergedTurn } from "./merged-turn.js";

/**
 * Cherry Studio's legacy OpenAI client stream handling, re-implemented from the conformance reference §4.5 (item 1)
 * and rule S5 (source: `src/renderer/src/aiCore/legacy/clients/openai/OpenAIApiClient.ts` in CherryHQ/cherry-studio):
 * - tool deltas are keyed by `index`;
 * - a delta carrying `function.name` (re)creates the call: `{id: id || "", name, arguments: arguments || ""}`,
 *   dropping whatever arguments were accumulated for that index;
 * - a delta without a name appends its arguments;
 * - a contentless `delta` falls back to `message`; calls are dispatched at the end whatever the finish reason.
 */
export function mergeCherryStudioLegacy(chunks: readonly any[]): MergedTurn {
  const turn: MergedTurn = { text: "", calls: [], errors: [] };
  const byIndex: { id: string; name: string; arguments: string }[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const hasDelta = choice.delta && Object.keys(choice.delta).length > 0;
    const delta = hasDelta ? choice.delta : (choice.message ?? {});
    if (typeof delta.content === "string") turn.text += delta.content;
    for (const call of delta.tool_calls ?? []) {
      if (typeof call.index !== "number") {
        turn.errors.push("tool call delta without index");
        continue;
      }
      const fn = call.function;
      if (fn?.name) byIndex[call.index] = { id: call.id || "", name: fn.name, arguments: fn.arguments || "" };
      else if (byIndex[call.index]) byIndex[call.index]!.arguments += fn?.arguments ?? "";
      else turn.errors.push(`arguments for unknown tool call ${call.index}`);
    }
    if (choice.finish_reason) turn.finishReason = choice.finish_reason;
  }
  turn.calls = byIndex.filter(Boolean);
  return turn;
}
