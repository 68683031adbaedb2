import { ToolshimError, type UpstreamModel } from "@toolshim/core";
import type { ResolvedModelConfig } from "../config/load-config.js";
import type { ServerUpstream } from "../providers/provider-kind.js";

export interface CatalogEntry {
  /** The client-visible id. */
  id: string;
  model: ResolvedModelConfig;
  providerName: string;
  upstream: ServerUpstream;
}

type Capabilities = UpstreamModel["capabilities"];

const CAPABILITY_TTL_MS = 5 * 60_000;
const LIST_TIMEOUT_MS = 3_000;

/** The models clients may ask for, each tied to its provider, and the capabilities the providers declare. */
export class ModelCatalog {
  private readonly entries = new Map<string, CatalogEntry>();
  private readonly listings = new Map<string, { at: number; models: Promise<UpstreamModel[] | undefined> }>();

  constructor(models: readonly ResolvedModelConfig[], upstreams: ReadonlyMap<string, ServerUpstream>) {
    for (const model of models) {
      const upstream = upstreams.get(model.provider);
      if (!upstream) throw new Error(`model "${model.id}" names provider "${model.provider}", which was not created`);
      this.entries.set(model.id, { id: model.id, model, providerName: model.provider, upstream });
    }
  }

  list(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  /** The entry for a request's `model`; 400 when missing, 404 `model_not_found` listing the ids when unknown. */
  resolve(id: unknown): CatalogEntry {
    if (typeof id !== "string" || id === "") {
      throw new ToolshimError("You must provide a model parameter.", { status: 400, param: "model", code: "missing_required_parameter" });
    }
    const entry = this.entries.get(id);
    if (entry) return entry;
    throw new ToolshimError(
      `The model '${id}' does not exist on this toolshim server. Available models: ${[...this.entries.keys()].join(", ")}.`,
      { status: 404, type: "invalid_request_error", param: "model", code: "model_not_found" },
    );
  }

  /**
   * What the provider says the model can do, or undefined when the provider cannot tell (listing failed or timed
   * out, model not listed). Listings are cached per provider for a few minutes so requests do not wait on them.
   */
  async capabilities(entry: CatalogEntry): Promise<Capabilities | undefined> {
    let listing = this.listings.get(entry.providerName);
    if (!listing || performance.now() - listing.at > CAPABILITY_TTL_MS) {
      listing = { at: performance.now(), models: listWithin(entry.upstream, LIST_TIMEOUT_MS) };
      this.listings.set(entry.providerName, listing);
    }
    const models = await listing.models;
    if (!models) this.listings.delete(entry.providerName);
    return models?.find((model) => model.id === entry.model.upstreamModel)?.capabilities;
  }
}

async function listWithin(upstream: ServerUpstream, timeoutMs: number): Promise<UpstreamModel[] | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    return await Promise.race([upstream.listModels().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
