/** A model entry as `GET /api/v2/models/` lists it (reference §5.1, shape from U1 2026-08-25). */
export function modelEntry(id: string, options: { thinking?: boolean; search?: boolean; vision?: boolean } = {}): unknown {
  return {
    id,
    name: id,
    object: "model",
    owned_by: "qwen",
    info: {
      id,
      name: id,
      is_active: true,
      is_visitor_active: false,
      meta: {
        capabilities: { vision: options.vision ?? true, document: true, video: false, audio: false, thinking: options.thinking ?? true, search: options.search ?? true },
        max_context_length: 1_000_000,
        max_summary_generation_length: 65_536,
        chat_type: ["t2t", "search", "t2i", "deep_research"],
        auto_thinking: true,
        auto_search: true,
        thinking_format: "summary",
        modality: ["text", "image"],
      },
    },
  };
}

export const DEFAULT_DOUBLE_MODELS = [modelEntry("qwen3.7-plus"), modelEntry("qwen3.8-max"), modelEntry("qwen3.5-omni-plus", { thinking: false, search: false })];
