import { JsonCallReader } from "./json-call-reader.js";
import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, PARTIAL } from "./scan-input.js";

/** Code fences a model may put around the JSON inside the markers, although it was asked not to. */
const FENCES = ["```json", "```"];
const STRAY = "}],";

/**
 * toolshim's own dialect: `<call:NONCE>{"name": …, "arguments": {…}}</call:NONCE>` with this request's nonce. The
 * marker makes it a call, so nothing of it is ever released as text: a call that cannot be completed (malformed,
 * unknown tool, truncated) is reported invalid and its markup is skipped up to the closing marker.
 */
export class DialectCallReader implements Reader {
  private state: "open" | "before" | "json" | "after" | "skip" = "open";
  private readonly json: JsonCallReader;
  private readonly open: string;
  private readonly close: string;

  constructor(
    private readonly scan: Scan,
    nonce: string,
  ) {
    this.json = new JsonCallReader(scan, { strict: true });
    this.open = `<call:${nonce}>`;
    this.close = `</call:${nonce}>`;
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "open":
          input.consume(this.open.length);
          input.commit();
          this.state = "before";
          break;
        case "before":
        case "after": {
          if (!input.skipSpace()) {
            if (!input.final) return "more";
            if (this.state === "before") this.scan.output.invalidBeforeStart("the call block is empty");
            return "done";
          }
          const literals = this.state === "before" ? FENCES : [this.close, ...FENCES];
          const match = input.match(literals);
          if (match === PARTIAL) return "more";
          if (match === this.close) {
            input.consume(match.length);
            return "done";
          }
          if (match !== null) {
            input.consume(match.length);
            break;
          }
          if (this.state === "after") {
            // A stray closing bracket or comma before the marker (a common slip) is markup too.
            if (STRAY.includes(input.buf[input.pos] as string)) {
              input.consume(1);
              break;
            }
            // Text after the call without the closing marker: the call is complete, the text is the model's.
            return "done";
          }
          this.state = "json";
          break;
        }
        case "json": {
          const step = this.json.step();
          if (step === "more") return "more";
          this.state = this.json.failed ? "skip" : "after";
          break;
        }
        case "skip": {
          const found = findLiteral(input, input.pos, [this.close]);
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
}
