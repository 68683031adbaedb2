import { JsonCallReader } from "./json-call-reader.js";
import { RawCallReader } from "./raw-call-reader.js";
import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, PARTIAL } from "./scan-input.js";

/** Code fences a model may put around the JSON inside the markers, although it was asked not to. */
const FENCES = ["```json", "```"];
/** A stray closing bracket or comma before the closing marker (a common slip) is markup too. */
const STRAY = "}],";

/**
 * toolshim's own dialect: `<call:NONCE>{"name": …, "arguments": {…}}</call:NONCE>` with this request's nonce. The
 * marker makes it a call, so nothing of it is ever released as text: a call that cannot be completed (malformed,
 * unknown tool, truncated) is reported invalid and its markup is skipped up to the closing marker. A JSON array of
 * calls in one block is accepted too, and so is the raw form for custom tools (`RawCallReader`).
 */
export class DialectCallReader implements Reader {
  private state: "open" | "before" | "json" | "after" | "skip" = "open";
  private json: Reader | null = null;
  private inArray = false;
  private calls = 0;
  private readonly open: string;
  private readonly close: string;
  private readonly closeOnly: string[];

  constructor(
    private readonly scan: Scan,
    nonce: string,
    /** The marker has been consumed already (it carried attributes). */
    opened = false,
  ) {
    if (opened) this.state = "before";
    this.open = `<call:${nonce}>`;
    this.close = `</call:${nonce}>`;
    this.closeOnly = [this.close];
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "open":
          input.consume(this.open.length);
          this.state = "before";
          break;
        case "before":
        case "after": {
          input.commit();
          if (!input.skipSpace()) return input.final ? this.ended() : "more";
          const literals = [this.close, ...FENCES];
          const match = input.match(literals);
          if (match === PARTIAL) return "more";
          if (match !== null) {
            input.consume(match.length);
            if (match === this.close) return this.ended();
            break;
          }
          const char = input.buf[input.pos] as string;
          if (this.state === "before") {
            if (char === "[" && !this.inArray && this.calls === 0) {
              this.inArray = true;
            } else if (char === "]" && this.inArray) {
              this.inArray = false;
              this.state = "after";
            } else {
              // Anything but a JSON object first is the raw form: a tool name, then the input as plain text.
              const raw = char !== "{" && !this.inArray && this.calls === 0;
              this.json = raw ? new RawCallReader(this.scan, this.close) : new JsonCallReader(this.scan, { strict: true });
              this.state = "json";
              break;
            }
            input.consume(1);
            break;
          }
          if (this.inArray && (char === "," || char === "]")) {
            this.state = char === "," ? "before" : "after";
            this.inArray = char === ",";
          } else if (!STRAY.includes(char)) {
            // Text after the call without the closing marker: the call is complete, the text is the model's.
            return this.ended();
          }
          input.consume(1);
          break;
        }
        case "json": {
          const json = this.json as Reader;
          const step = json.step();
          if (step === "more") return "more";
          this.calls++;
          this.state = json.failed ? "skip" : "after";
          break;
        }
        case "skip": {
          const found = findLiteral(input, input.pos, this.closeOnly);
          if (found.at === -1 || found.match === PARTIAL) {
            input.consume((found.at === -1 ? input.buf.length : found.at) - input.pos);
            return input.final ? "done" : "more";
          }
          input.consume(found.at - input.pos + this.close.length);
          return "done";
        }
      }
    }
  }

  private ended(): Step {
    if (this.calls === 0) this.scan.output.invalidBeforeStart("the call block holds no call");
    return "done";
  }
}
