import type { Reader, Scan, Step } from "./reader.js";

const MAX_TAG = 200;

/**
 * A `<call:…>` marker with another request's nonce, or an echoed `<result:…>` block: not a call, and nothing up to
 * its closing tag may be read as one in any format. The tag itself is released as text ("reject"); `close` tells the
 * text reader which closing tag ends the quoted block. The request's own marker written with something before its
 * `>` (`<call:NONCE id="1">`) is still a call: the reader consumes it and answers "done" with `ownMarker` set.
 */
export class QuoteTagReader implements Reader {
  close: string | null = null;
  ownMarker = false;

  constructor(
    private readonly scan: Scan,
    private readonly nonce: string,
  ) {}

  step(): Step {
    const { input } = this.scan;
    const { buf } = input;
    let i = input.pos + 1;
    while (i < buf.length && i - input.pos < MAX_TAG) {
      const char = buf[i];
      if (char === ">") {
        const tag = buf.slice(input.pos + 1, i);
        const name = /^[a-z]+:[^\s>]*/.exec(tag)?.[0];
        input.consume(i + 1 - input.pos);
        if (name === `call:${this.nonce}`) {
          this.ownMarker = true;
          return "done";
        }
        if (name) this.close = `</${name}>`;
        return "reject";
      }
      if (char === "<" || char === "\n") break;
      i++;
    }
    if (i === buf.length && !input.final && i - input.pos < MAX_TAG) return "more";
    input.consume(1);
    return "reject";
  }
}
