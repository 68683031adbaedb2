/** One operation on the message tree, with the full slash-separated path (negative indices count from the end). */
export interface PatchOperation {
  path: string;
  /** "SET" and "APPEND" are the ones DeepSeek sends; anything else is passed on and ignored by the applier. */
  op: string;
  value: unknown;
}

export interface PatchDecoder {
  /** Expands one default-event frame (`{p?, o?, v}`) into operations, updating the sticky path and op. */
  decode(frame: Record<string, unknown>): PatchOperation[];
  /** Back to the initial sticky state: each HTTP response starts a fresh decoder. */
  reset(): void;
}

interface Sticky {
  path: string;
  op: string;
}

/**
 * The "delta" grammar of DeepSeek's stream (reference §6.4): omitted `p` / `o` mean "same as the previous frame" (not
 * "default"), and a BATCH frame's `v` is a list of sub-frames decoded with their own fresh sticky state, their paths
 * relative to the BATCH path.
 *
 * Two tolerances beyond that rule, both for shapes older parsers documented: a SET/APPEND whose value is a list of
 * `{p, o?, v}` objects is a BATCH (`{"p":"response","v":[{"p":"status","v":"FINISHED"}]}`), since no real value has
 * that shape; and a sub-path that already starts with the BATCH path is taken as absolute rather than doubled.
 */
export function createPatchDecoder(): PatchDecoder {
  const sticky: Sticky = { path: "", op: "SET" };

  return {
    decode(frame) {
      const out: PatchOperation[] = [];
      expand(frame, sticky, "", out, 0);
      return out;
    },
    reset() {
      sticky.path = "";
      sticky.op = "SET";
    },
  };
}

/** Nesting BATCH inside BATCH is legal but never deep; the bound only stops a hostile frame from recursing forever. */
const MAX_DEPTH = 16;

function expand(frame: Record<string, unknown>, sticky: Sticky, prefix: string, out: PatchOperation[], depth: number) {
  if (typeof frame.o === "string") sticky.op = frame.o;
  if (typeof frame.p === "string") sticky.path = frame.p;
  const path = joinPath(prefix, sticky.path);
  const value = frame.v;
  if (sticky.op === "BATCH" || isPatchList(value)) {
    if (!Array.isArray(value) || depth >= MAX_DEPTH) return;
    const inner: Sticky = { path: "", op: "SET" };
    for (const item of value) {
      if (isRecord(item)) expand(item, inner, path, out, depth + 1);
    }
    return;
  }
  out.push({ path, op: sticky.op, value });
}

function joinPath(prefix: string, path: string): string {
  if (prefix === "") return path;
  if (path === "") return prefix;
  if (path.startsWith(`${prefix}/`)) return path;
  return `${prefix}/${path}`;
}

function isPatchList(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  let withPath = false;
  for (const item of value) {
    if (!isRecord(item) || !("v" in item)) return false;
    for (const key of Object.keys(item)) if (key !== "p" && key !== "o" && key !== "v") return false;
    if (typeof item.p === "string") withPath = true;
  }
  return withPath;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
