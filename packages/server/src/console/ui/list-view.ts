import { h, ms } from "./dom.js";

export interface Summary {
  id: string;
  at: number;
  api: string;
  model?: string;
  mode?: string;
  stream: boolean;
  status?: number;
  latencyMs?: number;
  firstByteMs?: number;
  calls: number;
  finishReason?: string;
  repairs: number;
  notACalls: number;
  done: boolean;
  /** Set on traces another gateway instance served (shared state). */
  instance?: string;
}

/** With shared state: whether other instances' traces can be shown. */
type SharedStatus = { status: "ok" } | { status: "unavailable"; message: string };

const traces = new Map<string, Summary>();
let source: EventSource | undefined;
let redraw: (() => void) | undefined;
let scheduled = false;
let shared: SharedStatus | undefined;

/** One connection for the whole session: the list stays current while other views are open. */
function connect(): void {
  if (source) return;
  source = new EventSource("/console/api/events");
  source.addEventListener("snapshot", (event) => {
    const snapshot = JSON.parse((event as MessageEvent<string>).data) as { traces: Summary[]; shared?: SharedStatus };
    for (const summary of snapshot.traces) traces.set(summary.id, summary);
    shared = snapshot.shared;
    schedule();
  });
  source.addEventListener("shared", (event) => {
    shared = JSON.parse((event as MessageEvent<string>).data) as SharedStatus;
    schedule();
  });
  source.addEventListener("trace", (event) => {
    const summary = JSON.parse((event as MessageEvent<string>).data) as Summary;
    traces.set(summary.id, summary);
    schedule();
  });
}

/** Many events in one frame cost one redraw (a slow machine under load stays responsive). */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    redraw?.();
  });
}

export function showList(root: HTMLElement): void {
  connect();
  const text = h("input", { type: "search", placeholder: "filter: model, api, finish…", "aria-label": "filter", id: "filter" }) as HTMLInputElement;
  const only = h(
    "select",
    { "aria-label": "show", id: "only" },
    h("option", { value: "" }, "all"),
    h("option", { value: "errors" }, "errors"),
    h("option", { value: "calls" }, "with calls"),
    h("option", { value: "repairs" }, "with repairs"),
    h("option", { value: "why-not" }, "with why-not-a-call"),
  ) as HTMLSelectElement;
  const body = h("tbody");
  const notice = h("p", { class: "error", id: "shared-status", role: "status" });
  const table = h(
    "table",
    { class: "list" },
    h("thead", {}, h("tr", {}, ...["time", "model", "api", "mode", "status", "latency", "first byte", "calls", "finish", "repairs", "why not"].map((c) => h("th", {}, c)))),
    body,
  );
  redraw = () => {
    const needle = text.value.trim().toLowerCase();
    const rows = [...traces.values()]
      .sort((a, b) => b.at - a.at)
      .filter((s) => !needle || `${s.model} ${s.api} ${s.finishReason} ${s.mode}`.toLowerCase().includes(needle))
      .filter((s) => keep(s, only.value));
    body.replaceChildren(...rows.map(row));
    notice.textContent = shared?.status === "unavailable" ? shared.message : "";
  };
  text.addEventListener("input", schedule);
  only.addEventListener("change", schedule);
  root.replaceChildren(h("h1", {}, "Requests"), notice, h("div", { class: "filters" }, text, only), h("div", { class: "scroll" }, table));
  redraw();
}

export function leaveList(): void {
  redraw = undefined;
}

function keep(s: Summary, only: string): boolean {
  if (only === "errors") return (s.status ?? 200) >= 400;
  if (only === "calls") return s.calls > 0;
  if (only === "repairs") return s.repairs > 0;
  if (only === "why-not") return s.notACalls > 0;
  return true;
}

function row(s: Summary): HTMLElement {
  const link = h("a", { href: `#/trace/${s.id}` }, new Date(s.at).toLocaleTimeString());
  const from = s.instance ? h("span", { class: "tag", title: "served by another gateway instance" }, s.instance) : undefined;
  const status = s.done ? String(s.status ?? "–") : "running";
  return h(
    "tr",
    { "data-trace-id": s.id, class: (s.status ?? 200) >= 400 ? "error" : "" },
    h("td", {}, link, from),
    h("td", {}, s.model ?? "–"),
    h("td", {}, s.api),
    h("td", {}, s.mode ?? "–"),
    h("td", {}, status),
    h("td", {}, ms(s.latencyMs)),
    h("td", {}, ms(s.firstByteMs)),
    h("td", {}, s.calls),
    h("td", {}, s.finishReason ?? "–"),
    h("td", {}, s.repairs),
    h("td", {}, s.notACalls),
  );
}
