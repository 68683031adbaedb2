/** The scanned text ran out before the value ended. */
export const NEED_MORE = -1;
/** The text is not JSON at `errorAt`. */
export const NOT_JSON = -2;

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * Finds where one JSON value ends without building it: it tracks only the open brackets and whether it is inside a
 * string, so the model's text can be passed through as it arrives. Whether the value is valid JSON is decided once,
 * at the end (`JSON.parse`); this scanner only has to find the end reliably and notice text that cannot be JSON
 * (markup, a mismatched bracket), so a broken call does not swallow the rest of the output.
 */
export class JsonValueScanner {
  private stack: number[] = [];
  private inString = false;
  private escaped = false;
  private scalar = false;
  private started = false;
  errorAt = -1;

  /** Scans `buf` from `from`; returns the index just past the value, NEED_MORE or NOT_JSON. */
  scan(buf: string, from: number, final: boolean): number {
    let i = from;
    const length = buf.length;
    while (i < length) {
      if (this.inString) {
        i = this.scanString(buf, i);
        if (i < 0) return NEED_MORE;
        if (this.stack.length === 0) return i;
        continue;
      }
      const code = buf.charCodeAt(i);
      if (!this.started) {
        this.started = true;
        if (code === QUOTE) {
          this.inString = true;
          i++;
          continue;
        }
        if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          this.stack.push(code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
          i++;
          continue;
        }
        if (!isScalarCode(code)) return this.fail(i);
        this.scalar = true;
      }
      if (this.scalar) {
        while (i < length && isScalarCode(buf.charCodeAt(i))) i++;
        if (i < length || final) return i;
        return NEED_MORE;
      }
      if (code === QUOTE) {
        this.inString = true;
        i++;
      } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
        this.stack.push(code === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET);
        i++;
      } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
        if (this.stack.pop() !== code) return this.fail(i);
        i++;
        if (this.stack.length === 0) return i;
      } else if (isScalarCode(code) || code === 58 || code === 44 || isJsonSpace(code)) {
        i++;
      } else {
        return this.fail(i);
      }
    }
    return NEED_MORE;
  }

  /** Inside a string: returns the index after its closing quote, or -1 when the text ran out. */
  private scanString(buf: string, from: number): number {
    const length = buf.length;
    let i = from;
    if (this.escaped) {
      if (i >= length) return -1;
      this.escaped = false;
      i++;
    }
    // A plain loop rather than indexOf: searching ahead for a quote and a backslash separately rescans text.
    while (i < length) {
      const code = buf.charCodeAt(i);
      if (code === QUOTE) {
        this.inString = false;
        return i + 1;
      }
      if (code === BACKSLASH) {
        if (i + 1 >= length) {
          this.escaped = true;
          return -1;
        }
        i += 2;
      } else {
        i++;
      }
    }
    return -1;
  }

  private fail(at: number): number {
    this.errorAt = at;
    return NOT_JSON;
  }
}

function isScalarCode(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 45 || code === 43 || code === 46
  );
}

function isJsonSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}
