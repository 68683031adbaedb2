import type { Hono } from "hono";
import type { ServerEnv } from "../http/server-env.js";
import type { ServerContext } from "../server-context.js";
import type { CatalogEntry } from "../upstream/model-catalog.js";

/** `GET /models` and `GET /models/:id` in OpenAI's list shape: the configured client-visible ids. */
export function registerModels(api: Hono<ServerEnv>, server: ServerContext): void {
  const describe = (entry: CatalogEntry) => ({
    id: entry.id,
    object: "model",
    created: server.startedAt,
    owned_by: entry.model.ownedBy ?? entry.providerName,
  });
  api.get("/models", (c) => c.json({ object: "list", data: server.catalog.list().map(describe) }));
  // Model ids may contain slashes (e.g. "qwen/qwen3-8b"), so the id is the rest of the path.
  api.get("/models/:id{.+}", (c) => c.json(describe(server.catalog.resolve(c.req.param("id")))));
}
