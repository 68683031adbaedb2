import { getJson, h, panel } from "./dom.js";

interface ProvidersJson {
  health: { status: string; providers?: Record<string, Record<string, unknown>> };
  models: { id: string; provider: string; upstreamModel: string; toolMode: string }[];
}

/** Reachability (from /health's cached probes), tool mode per model, and per-account state where a provider has accounts. */
export async function showProviders(root: HTMLElement): Promise<void> {
  const view = await getJson<ProvidersJson>("/console/api/providers");
  const providers = Object.entries(view.health.providers ?? {}).map(([name, health]) => {
    const { status, accounts, ...rest } = health;
    return panel(
      `${name}: ${String(status)}`,
      `provider-${name}`,
      h("dl", { class: "headers" }, ...Object.entries(rest).flatMap(([key, value]) => [h("dt", {}, key), h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))])),
      Array.isArray(accounts) ? accountsTable(accounts as Record<string, unknown>[]) : null,
    );
  });
  root.replaceChildren(
    h("h1", {}, `Providers (${view.health.status})`),
    ...providers,
    panel(
      "Models",
      "models",
      h(
        "table",
        { class: "list" },
        h("thead", {}, h("tr", {}, h("th", {}, "model"), h("th", {}, "provider"), h("th", {}, "upstream model"), h("th", {}, "tool mode now"))),
        h("tbody", {}, ...view.models.map((m) => h("tr", {}, h("td", {}, m.id), h("td", {}, m.provider), h("td", {}, m.upstreamModel), h("td", {}, m.toolMode)))),
      ),
    ),
  );
}

function accountsTable(accounts: Record<string, unknown>[]): HTMLElement {
  const columns = [...new Set(accounts.flatMap((account) => Object.keys(account)))];
  return h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c)))),
    h("tbody", {}, ...accounts.map((a) => h("tr", {}, ...columns.map((c) => h("td", {}, a[c] === undefined ? "" : typeof a[c] === "object" ? JSON.stringify(a[c]) : String(a[c])))))),
  );
}
