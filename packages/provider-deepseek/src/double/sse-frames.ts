/**
 * Writes DeepSeek's SSE events the way the server does: named events, keep-alive comments, and default-event JSON
 * patches encoded against the decoder's sticky state — `p` and `o` are sent only when they differ from the previous
 * frame's (protocol reference §6.4), which is what produces the pathless `{"v":…}` frames of the captures.
 */

export type PatchOp = "SET" | "APPEND" | "BATCH";

/** One sub-operation of a BATCH, relative to the BATCH's path. */
export interface SubPatch {
  p: string;
  o: PatchOp;
  v: unknown;
}

export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The keep-alive comment as captured: a colon, a space, then the blank line. */
export const KEEP_ALIVE = ": \n\n";

export class PatchEncoder {
  #path = "";
  #op: PatchOp = "SET";

  /** The root snapshot frame `{"v":{"response":…}}` (path "", op SET). */
  snapshot(response: unknown): string {
    return this.patch("", "SET", { response });
  }

  patch(path: string, op: PatchOp, v: unknown): string {
    const frame: { p?: string; o?: PatchOp; v: unknown } = { v };
    if (path !== this.#path) frame.p = path;
    if (op !== this.#op) frame.o = op;
    this.#path = path;
    this.#op = op;
    // Key order as the server writes it: p, o, v.
    return `data: ${JSON.stringify({ ...(frame.p !== undefined && { p: frame.p }), ...(frame.o !== undefined && { o: frame.o }), v: frame.v })}\n\n`;
  }

  /** A BATCH frame; its sub-frames are encoded against a fresh sticky state, as the decoder reads them. */
  batch(path: string, subs: SubPatch[]): string {
    let op: PatchOp = "SET";
    const encoded = subs.map((sub) => {
      const out = sub.o === op ? { p: sub.p, v: sub.v } : { p: sub.p, o: sub.o, v: sub.v };
      op = sub.o;
      return out;
    });
    return this.patch(path, "BATCH", encoded);
  }
}

/** xorshift32: the double's token splits and ids are reproducible for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * Cuts text into the 1–3 character tokens the web chat streams (whitespace-only tokens included), never inside a
 * surrogate pair. The empty string gives no tokens.
 */
export function splitTokens(text: string, random: () => number): string[] {
  const chars = Array.from(text);
  const tokens: string[] = [];
  for (let i = 0; i < chars.length; ) {
    const size = 1 + Math.floor(random() * 3);
    tokens.push(chars.slice(i, i + size).join(""));
    i += size;
  }
  return tokens;
}
