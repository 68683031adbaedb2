import type { MergedTurn } from "./merged-turn.js";

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * The tool-call tracking of AI SDK 4/5 (`@ai-sdk/openai-compatible` 0.2.x/1.0.x, `@ai-sdk/openai` 1.x/2.x),
 * re-implemented from the conformance reference §4.2 (chunk schema table) and rules S3/S4/S9: deltas are matched by
 * `index`; an opening delta must carry a string `id` and `function.name` (AI SDK 4 also `type: "function"`), else the
 * stream fails; a call is FINALISED the moment its accumulated arguments parse as JSON (also in the opening delta),
 * and later fragments for it are ignored.
 */
export function mergeAiSdk5(chunks: readonly any[], options: { version: 4 | 5 } = { version: 5 }): MergedTurn {
  const turn: MergedTurn = { text: "", calls: [], errors: [] };
  const tracked: { id: string; name: string; arguments: string; finished: boolean }[] = [];
  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    if (typeof choice.delta?.content === "string") turn.text += choice.delta.content;
    for (const delta of choice.delta?.tool_calls ?? []) {
      if (typeof delta.index !== "number" || typeof delta.function !== "object" || delta.function === null) {
        turn.errors.push(`chunk fails the schema: ${JSON.stringify(delta)}`);
        continue;
      }
      let call = tracked[delta.index];
      if (!call) {
        if (options.version === 4 && delta.type !== "function") turn.errors.push("Expected 'function' type.");
        if (typeof delta.id !== "string") turn.errors.push("Expected 'id' to be a string.");
        if (typeof delta.function.name !== "string") turn.errors.push("Expected 'function.name' to be a string.");
        call = tracked[delta.index] = { id: delta.id ?? "", name: delta.function.name ?? "", arguments: delta.function.arguments ?? "", finished: false };
      } else if (call.finished) {
        continue;
      } else {
        call.arguments += delta.function.arguments ?? "";
      }
      if (call.arguments !== "" && parses(call.arguments)) {
        call.finished = true;
        turn.calls.push({ id: call.id, name: call.name, arguments: call.arguments });
      }
    }
    if (choice.finish_reason) turn.finishReason = choice.finish_reason;
  }
  for (const call of tracked) if (call && !call.finished) turn.errors.push(`call ${call.id} never got JSON arguments: ${call.arguments}`);
  return turn;
}
