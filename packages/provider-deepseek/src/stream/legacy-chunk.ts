import { isRecord } from "./patch-decoder.js";
import type { StreamEvent } from "./stream-event.js";

/**
 * Gen-1 (until mid-2025) sent OpenAI-like chunks instead of patches (reference §1, appendix J):
 * `{"choices":[{"delta":{"content":"…","type":"thinking"|"text"|"search_result"|"search_index"},"finish_reason":…}]}`.
 * No raw capture of this generation survives, so only the documented fields are read.
 */
export function decodeLegacyChunk(chunk: Record<string, unknown>): StreamEvent[] {
  const out: StreamEvent[] = [];
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  for (const choice of choices) {
    if (!isRecord(choice)) continue;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const kind = typeof delta.type === "string" ? delta.type : "text";
    if (kind === "thinking" || kind === "text") {
      if (typeof delta.content === "string" && delta.content !== "") {
        out.push({ type: kind === "thinking" ? "reasoning" : "text", text: delta.content });
      }
    } else {
      out.push({ type: "fragment", fragmentType: kind.toUpperCase() });
    }
    const finish = choice.finish_reason;
    if (finish === "backend_busy") {
      out.push({ type: "hint", level: "error", content: "DeepSeek is busy (backend_busy).", finishReason: finish });
    } else if (typeof finish === "string" && finish !== "") {
      out.push({ type: "status", status: finish === "stop" ? "FINISHED" : finish.toUpperCase() });
    }
  }
  return out;
}
