import type { Reader, Scan, Step } from "./reader.js";
import { PARTIAL } from "./scan-input.js";
import type { TriggerTable } from "./triggers.js";

/** Info strings of fences that may hold a call rather than a code sample. */
const CALL_FENCES = new Set(["", "json", "json5", "jsonc", "xml", "tool_call", "tool_code"]);
const MAX_INFO = 40;

/**
 * A code fence at the start of a line. When its info string is empty, JSON or XML and its first content is a call
 * (```json {"name": DECLARED, "arguments": …} ```), the fence is only markup around the call and disappears.
 * Otherwise it is a code sample: released as text, and nothing inside it up to the closing fence is taken for a call.
 */
export class FenceReader implements Reader {
  private state: "ticks" | "info" | "probe" | "call" | "after" = "ticks";
  private ticks = "";
  private info = "";
  private calls = 0;
  private child: Reader | null = null;
  /** Set when the reader ends inside a code sample: the closing fence the text reader waits for. */
  codeSample: string | null = null;

  constructor(
    private readonly scan: Scan,
    private readonly triggers: TriggerTable,
  ) {}

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "ticks": {
          let i = input.pos;
          while (i < input.buf.length && input.buf.charCodeAt(i) === 96) i++;
          if (i === input.buf.length && !input.final) return "more";
          this.ticks = input.take(i);
          this.state = "info";
          break;
        }
        case "info": {
          const limit = Math.min(input.buf.length, input.pos + MAX_INFO + 1 - this.info.length);
          let i = input.pos;
          while (i < limit && input.buf[i] !== "\n" && input.buf[i] !== "`") i++;
          this.info += input.take(i);
          if (this.info.length > MAX_INFO) return this.sample();
          if (i === input.buf.length) return input.final ? this.sample() : "more";
          if (input.buf[i] === "`" || !CALL_FENCES.has(this.info.trim().toLowerCase())) return this.sample();
          input.consume(1);
          this.state = "probe";
          break;
        }
        case "probe":
        case "after": {
          if (!input.skipSpace()) return input.final ? this.ended() : "more";
          if (this.state === "after") {
            const close = input.match([this.ticks]);
            if (close === PARTIAL) return "more";
            if (close !== null) {
              input.consume(close.length);
              return "done";
            }
          }
          const place = { boundary: true, lineStart: true, quoted: false, callsOnly: true };
          const trigger = this.triggers.find(input, input.pos, place);
          if (trigger === PARTIAL) return "more";
          if (trigger === null || trigger.action.type !== "reader") return this.ended();
          if (input.held === null) input.hold();
          this.scan.output.gate?.restart();
          this.child = trigger.action.create(this.scan);
          this.state = "call";
          break;
        }
        case "call": {
          const step = (this.child as Reader).step();
          if (step === "more") return "more";
          this.child = null;
          if (step === "reject") {
            if (this.calls === 0) return this.sample();
            this.scan.output.text(input.held ?? "");
            input.commit();
            return this.ended();
          }
          this.calls++;
          this.state = "after";
          break;
        }
      }
    }
  }

  /** Not a call fence: the fence so far is released as text and the code sample runs to the closing fence. */
  private sample(): Step {
    this.codeSample = this.ticks;
    return "reject";
  }

  /** Calls were read but the fence did not close right after them: the rest of the block is a code sample. */
  private ended(): Step {
    if (this.calls === 0) return this.sample();
    this.codeSample = this.ticks;
    return "done";
  }
}
