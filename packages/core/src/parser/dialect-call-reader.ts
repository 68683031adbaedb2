import { JsonCallReader } from "./json-call-reader.js";
import { RawCallReader } from "./raw-call-reader.js";
import type { Reader, Scan, Step } from "./reader.js";
import { repairCallBlock } from "./repair-call-block.js";
import { findLiteral, PARTIAL } from "./scan-input.js";
import { TextBuilder } from "../text-builder.js";

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
  /** The raw text of the block's only call, from its first character, while it may still need repairing. */
  private raw: TextBuilder | null = null;
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
              if (raw) {
                this.json = new RawCallReader(this.scan, this.close);
              } else {
                // A failure is reported at the closing marker, after a repair of the whole block was tried.
                this.json = new JsonCallReader(this.scan, { strict: true, deferFailure: true });
                // Only a block's single call is repaired: in an array, the calls before it are out already.
                this.raw = this.calls === 0 && !this.inArray ? new TextBuilder() : null;
              }
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
          const from = input.pos;
          const step = json.step();
          this.raw?.append(input.buf.slice(from, input.pos));
          if (step === "more") return "more";
          this.calls++;
          if (!json.failed) this.raw = null;
          this.state = json.failed ? "skip" : "after";
          break;
        }
        case "skip": {
          const found = findLiteral(input, input.pos, this.closeOnly);
          if (found.at === -1 || found.match === PARTIAL) {
            const end = found.at === -1 ? input.buf.length : found.at;
            this.raw?.append(input.buf.slice(input.pos, end));
            input.consume(end - input.pos);
            if (!input.final) return "more";
            // No closing marker: the model did not say where the call ends, so it is never repaired.
            this.reportFailure(false);
            return "done";
          }
          this.raw?.append(input.buf.slice(input.pos, found.at));
          input.consume(found.at - input.pos + this.close.length);
          this.reportFailure(true);
          return "done";
        }
      }
    }
  }

  /** Reports the JSON call's held-back failure, with the repair of the whole block when there is one. */
  private reportFailure(closed: boolean): void {
    const json = this.json;
    if (!(json instanceof JsonCallReader)) return;
    const details = closed && this.raw ? repairCallBlock(this.raw.toString(), this.scan.output.tools) : {};
    this.raw = null;
    json.report(details);
  }

  private ended(): Step {
    if (this.calls === 0) this.scan.output.invalidBeforeStart("the call block holds no call");
    return "done";
  }
}
