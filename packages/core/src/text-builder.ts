/**
 * Characters gathered before a piece is flattened and set aside. Small, because the tail is a rope of one node per
 * piece (a streamed reply arrives a few characters at a time): at 8 KB a held stream kept ~7 bytes of rope per
 * character of its reply and each node survived young-generation collections; at 256 the tail is a few dozen nodes
 * and the flattened pieces cost ~5% over the text itself.
 */
const FLUSH_AT = 256;

/**
 * Builds a long text out of many small pieces (a call's arguments, a whole reply, arriving a few characters at a
 * time). `text += piece` would keep one rope node per piece alive until the end: for a 100 KB call that is ~25,000
 * objects the garbage collector copies on every young-generation pass, so the cost per character grew with the
 * length of the call. Here pieces are joined in a small tail that is flattened into one flat string every
 * `FLUSH_AT` characters, so what stays alive is a handful of flat strings whatever the length.
 */
export class TextBuilder {
  #parts: string[] = [];
  #tail = "";
  #length = 0;

  get length(): number {
    return this.#length;
  }

  append(piece: string): void {
    if (piece === "") return;
    this.#tail += piece;
    this.#length += piece.length;
    if (this.#tail.length < FLUSH_AT) return;
    // Converting a string to a number makes V8 flatten it in place (the rope's nodes become garbage at once). The
    // result is irrelevant; on engines that do not build ropes this is a cheap no-op.
    Number(this.#tail);
    this.#parts.push(this.#tail);
    this.#tail = "";
  }

  toString(): string {
    if (this.#parts.length === 0) return this.#tail;
    const whole = this.#parts.join("") + this.#tail;
    this.#parts = [whole];
    this.#tail = "";
    return whole;
  }
}
