import { ArgumentsStream } from "./arguments-stream.js";
import type { NamedSyntax } from "./format-table.js";
import { JsonValueScanner, NEED_MORE, NOT_JSON } from "./json-value-scanner.js";
import { readName, rejectUndeclared } from "./read-name.js";
import type { Reader, Scan, Step } from "./reader.js";
import { PARTIAL } from "./scan-input.js";
import type { CallWriter } from "./scan-output.js";

type State = "open" | "prefix" | "name" | "index" | "between" | "id" | "arguments" | "after";

const MAX_ID = 64;

/**
 * A call whose name is markup and whose arguments are one JSON object: `NAME<sep>{…}` (DeepSeek V3.1),
 * `function<sep>NAME ```json {…}``` ` (DeepSeek R1), `functions.NAME:0 <arg_begin>{…}` (Kimi K2),
 * `NAME[ARGS]{…}` (Mistral v11), `to=functions.NAME … <|message|>{…}` (gpt-oss). The call starts when its
 * arguments do (so an id that comes between name and arguments is known); until then it is tentative.
 */
export class NamedCallReader implements Reader {
  private state: State;
  private text = "";
  private name = "";
  private prefix = "";
  private id: string | undefined;
  private readonly args = new ArgumentsStream();
  private readonly value = new JsonValueScanner();
  private writer: CallWriter | null = null;
  failed = false;

  constructor(
    private readonly scan: Scan,
    private readonly syntax: NamedSyntax,
    private readonly outerClose: string[],
  ) {
    this.state = syntax.open.length > 0 ? "open" : "prefix";
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "open":
        case "prefix": {
          const literals = this.state === "open" ? this.syntax.open : this.syntax.prefixes;
          const match = input.match(literals);
          if (match === PARTIAL) return "more";
          if (match === null && this.state === "open") return "reject";
          if (match !== null) input.consume(match.length);
          if (this.state === "prefix") this.prefix = match ?? "";
          this.state = this.state === "open" ? "prefix" : "name";
          break;
        }
        case "name": {
          const read = readName(this.scan, this.text, this.syntax.nameStop);
          this.text = read.text;
          if (read.step) return read.step;
          this.name = this.text.trim();
          if (!this.scan.output.tool(this.name)) return rejectUndeclared(this.scan, this.name);
          this.text = "";
          this.state = this.syntax.indexedId && input.code() === 58 ? "index" : "between";
          if (this.state === "index") input.consume(1);
          break;
        }
        case "index": {
          let i = input.pos;
          while (i < input.buf.length && isDigit(input.buf.charCodeAt(i))) i++;
          this.text += input.take(i);
          if (i === input.buf.length && !input.final) return "more";
          if (this.prefix === "functions.") this.id = `functions.${this.name}:${this.text}`;
          this.state = "between";
          break;
        }
        case "between": {
          const step = this.between();
          if (step) return step;
          break;
        }
        case "id": {
          const limit = Math.min(input.buf.length, input.pos + MAX_ID + 1 - this.text.length);
          let i = input.pos;
          while (i < limit && isIdCode(input.buf.charCodeAt(i))) i++;
          this.text += input.take(i);
          if (this.text.length > MAX_ID) return "reject";
          if (i === input.buf.length && !input.final) return "more";
          this.id = this.text;
          this.state = "between";
          break;
        }
        case "arguments": {
          const end = this.value.scan(input.buf, input.pos, input.final);
          if (end === NOT_JSON) {
            this.args.feed(input.take(this.value.errorAt));
            return this.fail("the arguments are not valid JSON");
          }
          if (end === NEED_MORE) {
            this.args.feed(input.take(input.buf.length));
            return input.final ? this.fail("the output ended inside the call's arguments") : "more";
          }
          this.args.feed(input.take(end).slice(0, -1));
          this.args.finish();
          this.state = "after";
          break;
        }
        case "after": {
          if (!input.skipSpace()) return input.final ? "done" : "more";
          const after = input.match([...this.syntax.after, ...this.syntax.close]);
          if (after === PARTIAL) return "more";
          if (after === null) return "done";
          input.consume(after.length);
          if (this.syntax.close.includes(after)) return "done";
          break;
        }
      }
    }
  }

  private between(): Step | undefined {
    const { input } = this.scan;
    if (!input.skipSpace()) {
      if (!input.final) return "more";
      // A declared tool's name in call markup, then the end: a call cut off before its arguments.
      input.commit();
      this.scan.output.invalidBeforeStart("the output ended inside the call");
      return "done";
    }
    if (input.code() === 123) {
      this.start();
      this.state = "arguments";
      return undefined;
    }
    const marker = this.syntax.idMarker;
    const literals = marker ? [...this.syntax.between, marker] : this.syntax.between;
    const match = input.match(literals);
    if (match === PARTIAL) return "more";
    if (match !== null) {
      input.consume(match.length);
      if (match === marker) {
        this.text = "";
        this.state = "id";
      }
      return undefined;
    }
    const close = input.match([...this.syntax.close, ...this.outerClose]);
    if (close === PARTIAL) return "more";
    if (close !== null) return this.zeroArguments();
    return "reject";
  }

  /** The call block ended right after the name: a call without arguments. */
  private zeroArguments(): Step {
    this.start();
    this.args.finish();
    this.state = "after";
    return this.step();
  }

  private start(): void {
    this.scan.input.commit();
    this.writer = this.scan.output.startCall(this.name, this.id);
    this.args.attach(this.writer);
  }

  private fail(reason: string): Step {
    this.writer?.fail(reason);
    this.failed = true;
    return "done";
  }
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isIdCode(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 45;
}
