import type { ToolDefinition } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import type { NoteSink } from "./parser-note.js";
import type { ProvenanceGate } from "./provenance-gate.js";
import { TextBuilder } from "../text-builder.js";

/** What a reader found out about a call it reports invalid (toolshim's marker: see `DialectCallReader`). */
export type InvalidDetails = Pick<Extract<ScanEvent, { type: "call-invalid" }>, "name" | "repaired">;

/**
 * Collects the events of one push. Adjacent text (and reasoning) pieces are merged; call indexes are handed out in
 * order and only to calls that really start, so they stay 0..n-1 without gaps.
 */
export class ScanOutput {
  private events: ScanEvent[] = [];
  private nextIndex = 0;
  /** No visible text since the start, the last call or the last reasoning block. */
  atBoundary = true;
  /** Holds back calls whose markup is copied from the request's inputs (see ./provenance-gate.ts). */
  gate: ProvenanceGate | null = null;
  /** Tracing only (see ./parser-note.ts): null unless a tracer asked, so the untraced path does no extra work. */
  tracer: { note: NoteSink; markers: readonly string[] } | null = null;

  constructor(readonly tools: readonly ToolDefinition[]) {}

  take(): ScanEvent[] {
    const events = this.events;
    this.events = [];
    return events;
  }

  text(text: string): void {
    if (text === "") return;
    if (this.atBoundary && /\S/.test(text)) this.atBoundary = false;
    const last = this.events.at(-1);
    if (last?.type === "text") last.text += text;
    else this.events.push({ type: "text", text });
  }

  reasoning(text: string): void {
    if (text === "") return;
    const last = this.events.at(-1);
    if (last?.type === "reasoning") last.text += text;
    else this.events.push({ type: "reasoning", text });
  }

  reasoningEnded(): void {
    this.atBoundary = true;
  }

  tool(name: string): ToolDefinition | undefined {
    return this.tools.find((tool) => tool.name === name);
  }

  /** Whether some declared tool's name begins with `prefix` (so a name still arriving may yet be declared). */
  mayBeTool(prefix: string): boolean {
    return this.tools.some((tool) => tool.name.startsWith(prefix));
  }

  /** Tracing only: foreign markup released as text because the tool it names is not declared. */
  undeclared(markup: string, detail: string): void {
    this.tracer?.note({ type: "not-a-call", reason: "undeclared-tool", text: markup, detail });
  }

  startCall(name: string, id?: string): CallWriter {
    // A held call gets its index only when released, so a copy turned back into text leaves no gap.
    const held = this.gate?.holdsCall() === true;
    const index = held ? this.nextIndex : this.nextIndex++;
    const event: ScanEvent = id === undefined ? { type: "call-start", index, name } : { type: "call-start", index, name, id };
    if (held) this.gate?.intercept(event);
    else this.events.push(event);
    return new CallWriter(this, index, this.tool(name)?.custom !== undefined);
  }

  releaseCall(events: ScanEvent[]): void {
    this.nextIndex++;
    for (const event of events) this.events.push(event);
  }

  /** A call that failed before it started: it carries the index it would have had, which the next call reuses. */
  invalidBeforeStart(reason: string, details: InvalidDetails = {}): void {
    if (this.gate?.copiedInvalid()) return;
    this.events.push({ type: "call-invalid", index: this.nextIndex, reason, ...details });
    this.atBoundary = true;
  }

  push(event: ScanEvent): void {
    if (this.gate?.intercept(event)) return;
    this.events.push(event);
  }
}

/**
 * The argument stream of one started call: deltas in order, then exactly one end or invalid. A custom tool called in
 * a JSON form (`{"name": "apply_patch", "arguments": {"input": "…"}}`, in any format) is `wrapped`: its JSON is held
 * and, at the end, the string inside becomes the call's one delta and its input (see `unwrapCustomInput`). The raw
 * form, whose input is already the string, clears `wrapped` and streams.
 */
export class CallWriter {
  /** A builder, not `+=`: a long call's arguments would otherwise stay alive as one rope node per delta. */
  private readonly text = new TextBuilder();
  private closed = false;
  /** Set by a reader that reports failures itself, once it knows more (toolshim's marker: after trying a repair). */
  deferFailure = false;
  /** The failure held back while `deferFailure` is set, until `reportFailure`. */
  failure: string | null = null;

  constructor(
    private readonly output: ScanOutput,
    readonly index: number,
    public wrapped = false,
  ) {}

  /** The arguments written so far. */
  private get written(): string {
    return this.text.toString();
  }

  write(delta: string): void {
    if (delta === "" || this.closed) return;
    this.text.append(delta);
    if (this.wrapped) return;
    const events = this.output;
    events.push({ type: "call-delta", index: this.index, argumentsDelta: delta });
  }

  /**
   * Appends the last piece and ends the call if the whole text is a JSON object; otherwise the call is invalid.
   * Arguments only become complete JSON here, so no earlier delta ever looks finished.
   */
  end(last: string): void {
    if (this.closed) return;
    const text = this.written + last;
    if (!isJsonObject(text)) {
      this.fail(text.trim() === "" ? "the arguments are empty" : "the arguments are not a valid JSON object");
      return;
    }
    if (this.wrapped) {
      this.endWrapped(text);
      return;
    }
    this.write(last);
    this.closed = true;
    // Before the event: a held copy turned into text sets it back.
    this.output.atBoundary = true;
    this.output.push({ type: "call-end", index: this.index, arguments: text });
  }

  private endWrapped(text: string): void {
    const input = unwrapCustomInput(text);
    if (input === null) {
      this.fail(WRAPPED_FORM);
      return;
    }
    this.closed = true;
    if (input !== "") this.output.push({ type: "call-delta", index: this.index, argumentsDelta: input });
    this.output.atBoundary = true;
    this.output.push({ type: "call-end", index: this.index, arguments: input });
  }

  fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.deferFailure) {
      this.failure = reason;
      return;
    }
    this.output.atBoundary = true;
    this.output.push({ type: "call-invalid", index: this.index, reason });
  }

  /** Reports the failure held back by `deferFailure`, with what the reader found out since. */
  reportFailure(details: InvalidDetails): void {
    if (this.failure === null) return;
    const reason = this.failure;
    this.failure = null;
    this.output.atBoundary = true;
    this.output.push({ type: "call-invalid", index: this.index, reason, ...details });
  }
}

const WRAPPED_FORM =
  'a custom tool takes one raw string: write the tool name after the opening marker and the input on the next lines, or send the arguments as {"input": "…"}';

/**
 * The raw input a custom tool's JSON arguments stand for: the one string member of the object (the custom call's own
 * field is `input`, the name models and Codex's function form of apply_patch use), or "" for `{}`. Anything else
 * (several members, a non-string) is no input the model clearly meant, so null.
 */
export function unwrapCustomInput(argumentsText: string): string | null {
  const value: unknown = JSON.parse(argumentsText);
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const members = Object.values(value);
  if (members.length === 0) return "";
  const [only] = members;
  return members.length === 1 && typeof only === "string" ? only : null;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
