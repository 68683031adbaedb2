import type { MergedTurn } from "./merged-turn.js";

/**
 * `@langchain/core` 0.3's chunk merging, re-implemented from the conformance reference §4.3 and rules S5/S6 (source:
 * `_mergeDicts` / `_mergeLists` in `langchain-core/src/messages/base.ts` and `collapseToolCallChunks`): tool_call_chunks
 * `{index, id, name, args}` with the same index are merged by concatenating EVERY string field (`type` excepted), so a
 * repeated id or name doubles; a merged call needs an id and args that parse to an object, else it is invalid.
 */
export function mergeLangChainCore03(chunks: readonly any[]): MergedTurn {
  const turn: MergedTurn = { text: "", calls: [], errors: [] };
  const merged: { index: number; id?: string; name?: string; args?: string }[] = [];
  let role: string | undefined;
  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    role = choice.delta?.role ?? role;
    if (role !== "assistant") {
      // Without a role the chunks are not AI chunks and their tool_call_chunks are lost (rule S1).
      turn.errors.push("chunk before any assistant role");
      continue;
    }
    if (typeof choice.delta?.content === "string") turn.text += choice.delta.content;
    for (const delta of choice.delta?.tool_calls ?? []) {
      const part = { index: delta.index, id: delta.id, name: delta.function?.name, args: delta.function?.arguments };
      const into = merged.find((item) => item.index === part.index);
      if (!into) {
        merged.push({ ...part });
        continue;
      }
      for (const key of ["id", "name", "args"] as const) {
        if (typeof part[key] === "string") into[key] = (into[key] ?? "") + part[key];
      }
    }
    if (choice.finish_reason) turn.finishReason = choice.finish_reason;
  }
  for (const call of merged) {
    let args: unknown;
    try {
      args = JSON.parse(call.args || "{}");
    } catch {
      args = undefined;
    }
    if (!call.id || typeof args !== "object" || args === null || Array.isArray(args)) {
      turn.errors.push(`invalid_tool_call ${JSON.stringify(call)}`);
      continue;
    }
    turn.calls.push({ id: call.id, name: call.name ?? "", arguments: call.args || "{}" });
  }
  return turn;
}
