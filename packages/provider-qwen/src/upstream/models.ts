import type { UpstreamModel } from "@toolshim/core";
import { isRecord } from "../client/failures.js";

/** Model-id suffixes toolshim adds for Qwen Chat's switches (not upstream ids: reference §5.3). */
const THINKING = "-thinking";
const SEARCH = "-search";

export interface ResolvedModel {
  /** The upstream's own id. */
  model: string;
  thinking: boolean;
  search: boolean;
}

export interface ListedModel {
  id: string;
  thinking: boolean;
  search: boolean;
  vision: boolean;
}

/** The ids and switches of Qwen Chat's model list (`info.meta.capabilities`); inactive models are left out. */
export function readModelList(entries: Record<string, unknown>[]): ListedModel[] {
  const models: ListedModel[] = [];
  for (const entry of entries) {
    if (typeof entry.id !== "string" || entry.id === "") continue;
    const info = isRecord(entry.info) ? entry.info : {};
    if (info.is_active === false) continue;
    const meta = isRecord(info.meta) ? info.meta : {};
    const capabilities = isRecord(meta.capabilities) ? meta.capabilities : {};
    models.push({ id: entry.id, thinking: capabilities.thinking === true, search: capabilities.search === true, vision: capabilities.vision === true });
  }
  return models;
}

/** Each model, plus `-thinking`, `-search` and `-thinking-search` variants where the model supports them. */
export function withVariants(models: readonly ListedModel[]): UpstreamModel[] {
  const out: UpstreamModel[] = [];
  for (const model of models) {
    const capabilities = (reasoning: boolean) => ({ nativeTools: false, reasoning, systemRole: true, vision: false });
    out.push({ id: model.id, ownedBy: "qwen", capabilities: capabilities(model.thinking) });
    if (model.thinking) out.push({ id: `${model.id}${THINKING}`, ownedBy: "qwen", capabilities: capabilities(true) });
    if (model.search) out.push({ id: `${model.id}${SEARCH}`, ownedBy: "qwen", capabilities: capabilities(model.thinking) });
    if (model.thinking && model.search) out.push({ id: `${model.id}${THINKING}${SEARCH}`, ownedBy: "qwen", capabilities: capabilities(true) });
  }
  return out;
}

/**
 * The upstream model and switches for a requested id: suffixes set thinking and search; on a bare id, a
 * `reasoning_effort` other than none/minimal turns thinking on.
 */
export function resolveModel(id: string, reasoningEffort: string | undefined): ResolvedModel {
  let model = id;
  let search = false;
  let thinking = false;
  if (model.endsWith(SEARCH)) {
    search = true;
    model = model.slice(0, -SEARCH.length);
  }
  if (model.endsWith(THINKING)) {
    thinking = true;
    model = model.slice(0, -THINKING.length);
  }
  if (!thinking && reasoningEffort !== undefined && !["none", "minimal"].includes(reasoningEffort)) thinking = true;
  return { model, thinking, search };
}
