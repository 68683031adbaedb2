import type { MergedTurn } from "./merged-turn.js";

export interface LobeChatOptions {
  /**
   * Newer LobeHub releases remember each tool's id per stream index and fill an id-less delta from that map. Older
   * ones (the behaviour the conformance reference documents, §4.6 / S8) fill it with the FIRST tool's id.
   */
  idsByIndex: boolean;
}

/**
 * LobeChat's OpenAI stream pipeline, re-implemented from the conformance reference §4.6 and rules S8, S10, S11
 * (sources: `packages/model-runtime/src/core/streams/openai/openai.ts` and `packages/utils/src/toolCall.ts` in
 * lobehub/lobe-chat):
 * 1. server-side transformer, per chunk: no choices → usage (or opaque data); a delta with `tool_calls` becomes a
 *    tool_calls event at once (that delta's content and finish_reason are dropped); a missing id is filled (see
 *    {@link LobeChatOptions}), a missing index by position, a missing type by "function";
 * 2. client-side `parseToolCalls`: the first delta of a call must carry string id, type, function.name and
 *    function.arguments; later deltas are matched by id first, then by index, and only append arguments.
 */
export function mergeLobeChat(chunks: readonly any[], options: LobeChatOptions): MergedTurn {
  const turn: MergedTurn = { text: "", calls: [], errors: [] };
  let firstTool: string | undefined;
  const idByIndex = new Map<number, string>();
  const calls: { id: string; index: number; name: string; arguments: string }[] = [];

  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const deltas = choice.delta?.tool_calls;
    if (Array.isArray(deltas) && deltas.length > 0) {
      const events = deltas.map((delta: any, position: number) => {
        const index = typeof delta.index === "number" ? delta.index : position;
        if (delta.id && delta.function?.name) idByIndex.set(index, delta.id);
        if (firstTool === undefined && delta.id) firstTool = delta.id;
        const id = delta.id || (options.idsByIndex ? idByIndex.get(index) : undefined) || firstTool || `generated_${position}`;
        return { id, index, type: delta.type || "function", function: { name: delta.function?.name ?? null, arguments: delta.function?.arguments ?? "" } };
      });
      for (const event of events) {
        const existing = calls.find((call) => call.id === event.id) ?? calls.find((call) => call.index === event.index);
        if (existing) {
          existing.arguments += event.function.arguments;
          continue;
        }
        if (typeof event.id !== "string" || typeof event.function.name !== "string" || typeof event.function.arguments !== "string") {
          turn.errors.push(`MessageToolCallSchema rejects ${JSON.stringify(event)}`);
          continue;
        }
        calls.push({ id: event.id, index: event.index, name: event.function.name, arguments: event.function.arguments });
      }
      continue;
    }
    if (choice.finish_reason) {
      turn.finishReason = choice.finish_reason;
      continue;
    }
    if (typeof choice.delta?.content === "string") turn.text += choice.delta.content;
  }
  turn.calls = calls.map(({ id, name, arguments: args }) => ({ id, name, arguments: args }));
  return turn;
}
