import type { UpstreamModel } from "@toolshim/core";
import { DeepSeekFailure } from "../client/deepseek-failure.js";

/** How one model id drives the web chat's toggles (reference §7). */
export interface ModelSpec {
  id: string;
  thinking: boolean;
  search: boolean;
  /** `model_type` of the completion: "default" (the fast tier) or "expert". */
  modelType: "default" | "expert";
}

/**
 * The ids users pick: `deepseek-chat` (no thinking) or `deepseek-reasoner` (thinking streamed as reasoning), then
 * optionally `-expert` (the web chat's expert tier) and `-search` (web search on). Every combination exists, so the
 * name says exactly which toggles are sent.
 */
export const MODELS: readonly ModelSpec[] = (["chat", "reasoner"] as const).flatMap((base) =>
  (["default", "expert"] as const).flatMap((modelType) =>
    [false, true].map((search) => ({
      id: `deepseek-${base}${modelType === "expert" ? "-expert" : ""}${search ? "-search" : ""}`,
      thinking: base === "reasoner",
      search,
      modelType,
    })),
  ),
);

const BY_ID = new Map(MODELS.map((model) => [model.id, model]));

export function resolveModel(id: string): ModelSpec {
  const model = BY_ID.get(id);
  if (model) return model;
  throw new DeepSeekFailure(
    "unknown_model",
    `The DeepSeek provider has no model "${id}". Use one of: ${MODELS.map((spec) => spec.id).join(", ")}.`,
  );
}

export function describeModels(): UpstreamModel[] {
  return MODELS.map((model) => ({
    id: model.id,
    ownedBy: "deepseek",
    // The prompt carries System blocks (see buildPrompt), so system text keeps its role.
    capabilities: { nativeTools: false, reasoning: model.thinking, systemRole: true, vision: false },
  }));
}
