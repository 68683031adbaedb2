import type { MergedTurn } from "./merged-turn.js";

/**
 * Open WebUI's native function-calling stream handling, re-implemented from the conformance reference §4.7 and rule
 * S4/S5 (source: `backend/open_webui/utils/middleware.py` in open-webui/open-webui):
 * - only `choices[0].delta` is read; a chunk without choices but with `error` is an error;
 * - a tool delta without `index` is dropped; the first delta seen for an index is kept as it is;
 * - later deltas for that index APPEND both `function.name` and `function.arguments`.
 */
export function mergeOpenWebUI(chunks: readonly any[]): MergedTurn {
  const turn: MergedTurn = { text: "", calls: [], errors: [] };
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  for (const chunk of chunks) {
    const choice = chunk.choices?.[0];
    if (!choice) {
      if (chunk.error) turn.errors.push(String(chunk.error.message ?? chunk.error));
      continue;
    }
    const delta = choice.delta ?? {};
    if (typeof delta.content === "string") turn.text += delta.content;
    for (const call of delta.tool_calls ?? []) {
      if (call.index === undefined || call.index === null) continue;
      const current = byIndex.get(call.index);
      if (!current) {
        byIndex.set(call.index, { id: call.id ?? "", name: call.function?.name ?? "", arguments: call.function?.arguments ?? "" });
      } else {
        current.name += call.function?.name ?? "";
        current.arguments += call.function?.arguments ?? "";
      }
    }
    if (choice.finish_reason) turn.finishReason = choice.finish_reason;
  }
  turn.calls = [...byIndex.values()];
  return turn;
}

/**
 * After the stream, Open WebUI parses each call's arguments (unparseable or "" → `{}` plus an error log), keeps only
 * the keys the tool's spec declares, and rewrites the history's arguments with Python's `json.dumps`.
 */
export function openWebUIParams(args: string, declared: string[], errors: string[]): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  try {
    params = JSON.parse(args);
  } catch (error) {
    errors.push(`Open WebUI could not parse tool arguments ${JSON.stringify(args)}: ${(error as Error).message}`);
  }
  return Object.fromEntries(Object.entries(params).filter(([key]) => declared.includes(key)));
}

/** Python's `json.dumps` defaults: `", "` and `": "` separators, non-ASCII escaped as \uXXXX. */
export function pythonJsonDumps(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
