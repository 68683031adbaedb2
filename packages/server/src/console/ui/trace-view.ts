import { getJson, h, ms, panel, pretty } from "./dom.js";
import type { Summary } from "./list-view.js";

interface Entry {
  kind: string;
  t: number;
  attempt?: number;
  [field: string]: unknown;
}
interface Message {
  role: string;
  content?: unknown;
  [field: string]: unknown;
}
export interface TraceJson {
  summary: Summary;
  request: { headers: Record<string, string>; body: string; truncated: boolean };
  response: { headers: Record<string, string>; body: string; truncated: boolean };
  entries: Entry[];
  truncated: boolean;
}

const REASONS: Record<string, string> = {
  "copied-from-input": "copied from input (provenance): the markup occurs verbatim in a tool result or other input",
  "undeclared-tool": "undeclared tool: the request declares no tool by that name",
  malformed: "malformed: the call markup could not be read or mended",
  "inside-reasoning": "inside reasoning: markup in the model's thinking is never a call",
  "inside-code": "inside code: markup in a code sample or inline code is never a call",
};

const HELD: Record<string, string> = {
  "marker-prefix": "the end of the text could begin a marker",
  "undecided-markup": "markup not yet known to be a call",
  provenance: "a call whose markup still copies an input (provenance gate)",
};

const PROVENANCE: Record<string, string> = {
  indexed: "indexed: foreign-format markup copied from an input stays text",
  "not-needed": "not needed: the request has no untrusted input to copy from",
  "nonce-only": "nonce only: inputs too large to index, so only toolshim's own marker makes a call",
};

/** Loads a trace and renders it into `root`, again every second until the request is done. */
export async function showTrace(root: HTMLElement, id: string, stillWanted: () => boolean): Promise<void> {
  for (;;) {
    const trace = await getJson<TraceJson>(`/console/api/traces/${encodeURIComponent(id)}`);
    if (!stillWanted()) return;
    root.replaceChildren(renderTrace(trace));
    if (trace.summary.done) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (!stillWanted()) return;
  }
}

export function renderTrace(trace: TraceJson): HTMLElement {
  const s = trace.summary;
  const entries = trace.entries;
  return h(
    "div",
    { class: "trace", "data-trace": s.id },
    h("h1", {}, `${s.api} · ${s.model ?? "?"} · ${s.id}`),
    h(
      "p",
      { class: "facts" },
      `status ${s.status ?? "…"} · ${s.mode ?? "?"} · ${s.stream ? "streamed" : "not streamed"} · latency ${ms(s.latencyMs)} · first byte ${ms(s.firstByteMs)} · ${s.calls} call(s) · finish ${s.finishReason ?? "–"} · ${s.repairs} repair(s)`,
      trace.truncated ? " · trace truncated (console.maxTraceBytes)" : "",
    ),
    provenanceLine(entries),
    h(
      "div",
      { class: "grid" },
      panel("Client request (secrets masked)", "request", headersList(trace.request.headers), h("pre", {}, pretty(trace.request.body))),
      panel("Response as sent", "response", headersList(trace.response.headers), h("pre", {}, pretty(trace.response.body))),
    ),
    promptPanel(entries),
    streamPanel(entries),
    policyPanel(entries, trace.request.body),
    whyNotPanel(entries),
  );
}

/** The request's provenance mode, from the engine's outcome (absent when foreign formats were off). */
function provenanceLine(entries: Entry[]): HTMLElement | null {
  const done = entries.find((e) => e.kind === "done");
  const mode = typeof done?.provenance === "string" ? done.provenance : undefined;
  if (!mode) return null;
  return h("p", { class: "provenance", "data-provenance": mode }, `provenance: ${PROVENANCE[mode] ?? mode}`);
}

function headersList(headers: Record<string, string>): HTMLElement {
  return h("dl", { class: "headers" }, ...Object.entries(headers).flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]));
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === "object" && part && "text" in part ? String(part.text) : JSON.stringify(part))).join("\n");
  return content === undefined || content === null ? "" : JSON.stringify(content, null, 2);
}

function promptPanel(entries: Entry[]): HTMLElement {
  const requests = entries.filter((e) => e.kind === "upstream-request");
  return panel(
    "Prompt sent upstream",
    "prompt",
    ...requests.map((e) => {
      const request = e.request as { messages: Message[]; tools?: unknown };
      return h(
        "details",
        { open: "" },
        h("summary", {}, `attempt ${e.attempt} · ${String(e.mode)} · nonce ${String(e.nonce)} · ${request.messages.length} message(s)`),
        ...request.messages.map((m) => h("div", { class: "message" }, h("b", {}, m.role), h("pre", {}, contentText(m.content) || JSON.stringify(m, null, 2)))),
        request.tools ? h("pre", {}, JSON.stringify(request.tools, null, 2)) : null,
      );
    }),
  );
}

function scanLine(event: Record<string, unknown>): string {
  const { type, ...rest } = event;
  const detail = "text" in rest ? JSON.stringify(rest.text) : JSON.stringify(rest);
  return `${String(type)} ${detail}`;
}

/** The model's raw text as it arrived (with times) beside what the parser made of it. */
function streamPanel(entries: Entry[]): HTMLElement {
  const raw = h("ol", { class: "raw" });
  const parsed = h("ol", { class: "parsed" });
  for (const e of entries) {
    const prefix = `+${e.t.toFixed(1)} ms · #${e.attempt ?? 1} `;
    if (e.kind === "upstream-event") {
      const event = e.event as Record<string, unknown>;
      raw.append(
        h("li", { class: `ev-${String(event.type)}` }, h("span", { class: "t" }, prefix), h("code", {}, "text" in event ? String(event.text) : JSON.stringify(event))),
      );
    } else if (e.kind === "held") {
      // The parser's own report: text it keeps back after this chunk, released later as text or as a call.
      const reason = String(e.reason);
      parsed.append(
        h(
          "li",
          { class: "ev-held held", "data-held": reason },
          h("span", { class: "t" }, prefix),
          h("span", { class: "tag" }, "held back"),
          ` ${HELD[reason] ?? reason}: `,
          h("code", {}, JSON.stringify(e.text)),
        ),
      );
    } else if (e.kind === "scan") {
      for (const event of e.events as Record<string, unknown>[]) {
        parsed.append(h("li", { class: `ev-${String(event.type)}` }, h("span", { class: "t" }, prefix), h("code", {}, scanLine(event))));
      }
    }
  }
  return panel(
    "Model's raw text and parser events",
    "stream",
    ...wholeTexts(entries),
    h("div", { class: "grid" }, h("div", {}, h("h3", {}, "Raw upstream events, as they arrived"), raw), h("div", {}, h("h3", {}, "Parser events"), parsed)),
  );
}

/** Each attempt's raw text in one piece, as the model wrote it. */
function wholeTexts(entries: Entry[]): HTMLElement[] {
  const texts = new Map<number, string>();
  for (const e of entries) {
    const event = e.event as { type?: string; text?: string } | undefined;
    if (e.kind === "upstream-event" && event?.type === "text") texts.set(e.attempt ?? 1, (texts.get(e.attempt ?? 1) ?? "") + (event.text ?? ""));
  }
  return [...texts].map(([attempt, text]) => h("div", {}, h("h3", {}, `Attempt ${attempt}: the model's whole text`), h("pre", { class: "raw-text" }, text)));
}

/** The rules the client asked for: what the policy enforced. */
function rulesLine(body: string): string {
  let request: Record<string, unknown> = {};
  try {
    request = JSON.parse(body) as Record<string, unknown>;
  } catch {
    // A truncated or non-JSON body: the defaults are shown.
  }
  const tools = Array.isArray(request.tools) ? request.tools.length : 0;
  const choice = request.tool_choice === undefined ? "auto (default)" : JSON.stringify(request.tool_choice);
  const parallel = request.parallel_tool_calls === undefined ? "true (default)" : JSON.stringify(request.parallel_tool_calls);
  return `${tools} tool(s) declared · tool_choice ${choice} · parallel_tool_calls ${parallel}`;
}

function policyPanel(entries: Entry[], requestBody: string): HTMLElement {
  const items: HTMLElement[] = [h("li", { class: "rules" }, rulesLine(requestBody))];
  for (const e of entries) {
    if (e.kind === "violation") {
      const v = e.violation as { kind: string; message: string; fatal?: boolean };
      items.push(h("li", { class: "violation" }, `attempt ${e.attempt}: ${v.kind}${v.fatal ? " (rejects the reply)" : ""}: ${v.message}`));
    } else if (e.kind === "repair") {
      const turns = e.turns as Message[];
      items.push(
        h(
          "li",
          { class: "repair" },
          `repair re-ask after attempt ${e.attempt}; turns sent back:`,
          ...turns.map((m) => h("div", { class: "message" }, h("b", {}, m.role), h("pre", {}, contentText(m.content) || JSON.stringify(m)))),
        ),
      );
    } else if (e.kind === "done") {
      const provenance = typeof e.provenance === "string" ? `, provenance ${e.provenance}` : "";
      items.push(h("li", { class: "done" }, `outcome: finish ${String(e.finishReason)}, ${String(e.toolCalls)} call(s)${e.answeredAsText ? ", answered as the model's text" : ""}${provenance}`));
    }
  }
  return panel("Policy decisions", "policy", h("ul", {}, ...items));
}

function whyNotPanel(entries: Entry[]): HTMLElement {
  const items = entries
    .filter((e) => e.kind === "not-a-call")
    .map((e) =>
      h(
        "li",
        { "data-reason": String(e.reason) },
        h("b", {}, REASONS[String(e.reason)] ?? String(e.reason)),
        e.detail ? ` (${String(e.detail)})` : "",
        h("pre", {}, String(e.text)),
      ),
    );
  return panel('Why not a call?', "why-not", items.length ? h("ul", {}, ...items) : h("p", {}, "No call-like markup stayed text."));
}
