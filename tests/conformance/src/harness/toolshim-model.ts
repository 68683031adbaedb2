import { defaultDialect, type RenderContext } from "@toolshim/core";
import type { RecordedRequest } from "@toolshim/provider-generic/double";

/** A tool result as the model reads it in its prompt. */
export interface SeenResult {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
}

/** What one upstream request tells a model that follows toolshim's instructions. */
export interface ModelView {
  /** This request's marker nonce; undefined when the prompt offers no tools. */
  nonce?: string;
  /** Tool names listed in the instructions, in order. */
  toolNames: string[];
  /** Every tool result in the conversation, oldest first (earlier steps included). */
  results: SeenResult[];
}

export interface ModelCall {
  name: string;
  arguments: Record<string, unknown>;
}

// Placeholders rendered through the dialect to learn where the live values go: letters only, so nothing escapes them.
const PROBE = { nonce: "qzxnonceprobe", name: "qzxnameprobe", id: "qzxidprobe", content: "qzxcontentprobe" };
const probeContext: RenderContext = { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce: PROBE.nonce };

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Markup templates learned from core's default dialect, never typed in here: a dialect change cannot desync them. */
const templates = (() => {
  const call = defaultDialect.renderCall({ id: PROBE.id, name: PROBE.name, arguments: "{}" }, probeContext);
  const at = call.indexOf(PROBE.nonce);
  const nonce = new RegExp(`${escape(call.slice(0, at))}([A-Za-z0-9_-]+)${escape(call.charAt(at + PROBE.nonce.length))}`);

  const tools = defaultDialect.renderTools({
    ...probeContext,
    tools: [{ name: PROBE.name, description: "", parameters: { type: "object", properties: {} }, strict: false }],
  });
  const heading = tools.split("\n").find((line) => line.includes(PROBE.name) && !line.includes(PROBE.nonce)) ?? "";
  const toolHeading = heading.slice(0, heading.indexOf(PROBE.name));

  const result = (isError: boolean) => {
    const probe = defaultDialect.renderResult({ callId: PROBE.id, name: PROBE.name, content: PROBE.content, isError }, probeContext);
    return (live: string) =>
      new RegExp(
        escape(probe)
          .split(PROBE.nonce)
          .join(escape(live))
          .replace(PROBE.id, "(?<id>[^\"]*?)")
          .replace(PROBE.name, "(?<name>[^\"]*?)")
          .replace(PROBE.content, "(?<content>[\\s\\S]*?)"),
        "g",
      );
  };
  return { nonce, toolHeading, ok: result(false), failed: result(true) };
})();

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part?.text === "string" ? part.text : "")).join("\n");
  return "";
}

/** Reads an upstream request the way a model would: only from the text toolshim rendered into it. */
export function readRequest(request: RecordedRequest): ModelView {
  const messages = (request.body?.messages ?? []) as { role: string; content: unknown }[];
  const texts = messages.map((message) => ({ role: message.role, text: textOf(message.content) }));
  const instructions = texts.filter((m) => m.role === "system").map((m) => m.text).join("\n") || (texts[0]?.text ?? "");
  const found = templates.nonce.exec(instructions);
  const nonce = found?.[1];
  const toolNames = found
    ? instructions
        .slice(found.index)
        .split("\n")
        .filter((line) => templates.toolHeading !== "" && line.startsWith(templates.toolHeading))
        .map((line) => line.slice(templates.toolHeading.length).trim())
    : [];
  const results: SeenResult[] = [];
  if (nonce) {
    for (const message of texts.filter((m) => m.role === "user")) {
      const found: (SeenResult & { at: number })[] = [];
      for (const [regex, isError] of [[templates.failed(nonce), true], [templates.ok(nonce), false]] as const) {
        for (const match of message.text.matchAll(regex)) {
          const groups = match.groups ?? {};
          found.push({ callId: groups.id ?? "", name: groups.name ?? "", content: groups.content ?? "", isError, at: match.index });
        }
      }
      results.push(...found.sort((a, b) => a.at - b.at).map(({ at: _at, ...result }) => result));
    }
  }
  return { nonce, toolNames, results };
}

/** Calls written in the dialect with the request's live nonce, as a model that read the instructions writes them. */
export function renderCalls(nonce: string, calls: ModelCall[]): string {
  return calls
    .map((call) => defaultDialect.renderCall({ id: "", name: call.name, arguments: JSON.stringify(call.arguments) }, { ...probeContext, nonce }))
    .join("\n");
}
