import { DialectCallReader } from "./dialect-call-reader.js";
import { BARE_ITEMS, BARE_JSON, BOUNDARY_SILENT_TOKENS, REASONING, SILENT_TOKENS, WRAPPERS } from "./format-table.js";
import type { Reader, Scan } from "./reader.js";
import { ReasoningReader } from "./reasoning-reader.js";
import { PARTIAL, type ScanInput } from "./scan-input.js";
import { createItemReader, WrapperReader } from "./wrapper-reader.js";

/** What a trigger starts: a reader, or text-level handling in the text reader. */
export type TriggerAction =
  | { type: "reader"; create: (scan: Scan) => Reader }
  | { type: "silent" }
  | { type: "quote" }
  | { type: "fence" };

export interface Trigger {
  literal: string;
  /** "boundary": only where no visible text precedes it; "line": only at the start of a line. */
  gate: "anywhere" | "boundary" | "line";
  /** It starts a call (what a call fence may hold), rather than reasoning, a fence or a token. */
  call: boolean;
  action: TriggerAction;
}

interface TriggerPlace {
  /** No visible text since the start, the last call or the last reasoning block. */
  boundary: boolean;
  lineStart: boolean;
  /** Inside a quoted (forged or echoed) block only the request's own call marker counts. */
  quoted: boolean;
  /** Right after a call fence's opener: only calls. */
  callsOnly?: boolean;
}

/**
 * Every marker the text reader watches for, indexed by first character. A match is the longest full match, unless
 * the text ends inside a longer candidate: then the answer is PARTIAL and that suffix is held back. Only the two
 * markers carrying the request's nonce are built per request; the rest (some 60 triggers with their readers'
 * factories, ~17 KB) is shared by every request with the same `foreign` setting, because a held stream keeps its
 * table for as long as it runs.
 */
export class TriggerTable {
  readonly dialectOpen: string;
  /** Tracing only: call openers distinctive enough to report inside code or reasoning (not `{`, `[` or `>>>`). */
  readonly markers: readonly string[];
  /** The nonce's opener and closer; both begin with `<`. */
  private readonly own: Trigger[];
  private readonly shared: ReadonlyMap<number, Trigger[]>;

  /** `foreign` false: only toolshim's own marker starts a call; other formats stay text. */
  constructor(
    readonly nonce: string,
    foreign = true,
  ) {
    this.dialectOpen = `<call:${nonce}>`;
    this.own = [
      reader(this.dialectOpen, "anywhere", (scan) => new DialectCallReader(scan, nonce)),
      { literal: `</call:${nonce}>`, gate: "anywhere", call: false, action: { type: "silent" } },
    ];
    const shared = sharedTriggers(foreign);
    this.shared = shared.byFirst;
    this.markers = shared.markers;
  }

  /** Whether any trigger begins with this character (a fast filter for the text loop). */
  starts(code: number): boolean {
    return code === LT || this.shared.has(code);
  }

  find(input: ScanInput, at: number, place: TriggerPlace): Trigger | typeof PARTIAL | null {
    const code = input.buf.charCodeAt(at);
    // Same answer as one list in any order: a PARTIAL candidate anywhere wins, and a tie for longest needs equal
    // literals, which the nonce's triggers never share with another.
    const best = code === LT ? this.longest(this.own, input, at, place, null) : null;
    if (best === PARTIAL) return PARTIAL;
    const candidates = this.shared.get(code);
    return candidates ? this.longest(candidates, input, at, place, best) : best;
  }

  private longest(
    candidates: readonly Trigger[],
    input: ScanInput,
    at: number,
    place: TriggerPlace,
    found: Trigger | null,
  ): Trigger | typeof PARTIAL | null {
    const { buf, final } = input;
    let best = found;
    for (const trigger of candidates) {
      if (!this.allowed(trigger, place)) continue;
      const { literal } = trigger;
      if (buf.length - at >= literal.length) {
        if ((!best || literal.length > best.literal.length) && buf.startsWith(literal, at)) best = trigger;
      } else if (!final && literal.startsWith(buf.slice(at))) {
        return PARTIAL;
      }
    }
    return best;
  }

  private allowed(trigger: Trigger, place: TriggerPlace): boolean {
    if (place.quoted) return trigger.literal === this.dialectOpen;
    if (place.callsOnly && !trigger.call) return false;
    if (trigger.gate === "boundary") return place.boundary;
    if (trigger.gate === "line") return place.lineStart;
    return true;
  }
}

const LT = "<".charCodeAt(0);

interface SharedTriggers {
  byFirst: ReadonlyMap<number, Trigger[]>;
  markers: readonly string[];
}

const sharedByForeign = new Map<boolean, SharedTriggers>();

/** The triggers that name no nonce, built once per `foreign` setting (they hold no per-request state). */
function sharedTriggers(foreign: boolean): SharedTriggers {
  const existing = sharedByForeign.get(foreign);
  if (existing) return existing;
  const calls: Trigger[] = [
    ...WRAPPERS.flatMap((syntax) => syntax.open.map((literal) => reader(literal, "anywhere", (scan) => new WrapperReader(scan, syntax)))),
    ...BARE_ITEMS.flatMap((syntax) =>
      syntax.kind === "wrapper" || syntax.kind === "json"
        ? []
        : syntax.open.map((literal) => reader(literal, "anywhere", (scan) => createItemReader(scan, syntax, []))),
    ),
    reader("{", "boundary", (scan) => new WrapperReader(scan, BARE_JSON)),
    reader("[", "boundary", (scan) => new WrapperReader(scan, BARE_JSON)),
  ];
  const markers = ["<call:", ...new Set(calls.map((trigger) => trigger.literal).filter((literal) => literal.length > 3))];
  const triggers: Trigger[] = [
    { literal: "<call:", gate: "anywhere", call: false, action: { type: "quote" } },
    { literal: "<result:", gate: "anywhere", call: false, action: { type: "quote" } },
    ...SILENT_TOKENS.map((literal): Trigger => ({ literal, gate: "anywhere", call: false, action: { type: "silent" } })),
    ...BOUNDARY_SILENT_TOKENS.map((literal): Trigger => ({ literal, gate: "boundary", call: false, action: { type: "silent" } })),
    ...REASONING.map(
      (syntax): Trigger => ({
        literal: syntax.open,
        gate: "boundary",
        call: false,
        action: { type: "reader", create: (scan) => new ReasoningReader(scan, syntax.open, syntax.close) },
      }),
    ),
    { literal: "```", gate: "line", call: false, action: { type: "fence" } },
    ...(foreign ? calls : []),
  ];
  const byFirst = new Map<number, Trigger[]>();
  for (const trigger of triggers) {
    const first = trigger.literal.charCodeAt(0);
    const list = byFirst.get(first) ?? [];
    list.push(trigger);
    byFirst.set(first, list);
  }
  const built = { byFirst, markers };
  sharedByForeign.set(foreign, built);
  return built;
}

function reader(literal: string, gate: Trigger["gate"], create: (scan: Scan) => Reader): Trigger {
  return { literal, gate, call: true, action: { type: "reader", create } };
}
