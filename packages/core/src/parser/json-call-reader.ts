import { ArgumentsStream } from "./arguments-stream.js";
import { JsonValueScanner, NEED_MORE, NOT_JSON } from "./json-value-scanner.js";
import type { Reader, Scan, Step } from "./reader.js";
import { rejectUndeclared } from "./read-name.js";
import type { CallWriter, InvalidDetails } from "./scan-output.js";
import { TextBuilder } from "../text-builder.js";

export interface JsonCallOptions {
  /** toolshim's own dialect: the call is ours from its first character, so failures are reported, never released. */
  strict?: boolean;
  /** Bare JSON in the output: only `{"name": DECLARED, "arguments"|"parameters": …}` in that order counts. */
  bare?: boolean;
  /** `{"NAME": {…}}` (Apertus) is a call too. */
  shortForm?: boolean;
  /**
   * With `strict`: a failure is held back until the owner calls `report`, so it can first try to repair the whole
   * block (toolshim's marker, where the closing marker says where the call ends).
   */
  deferFailure?: boolean;
}

const NAME_KEYS = new Set(["name", "tool_name", "function"]);
const ARGUMENT_KEYS = new Set(["arguments", "parameters", "args", "input"]);
const ID_KEYS = new Set(["id", "tool_call_id", "call_id"]);
const MAX_KEY = 128;
const MAX_NAME = 256;

type State = "open" | "member" | "key" | "colon" | "value" | "name" | "id" | "arguments" | "skip" | "after";
type Role = "name" | "arguments" | "id" | "short" | "skip";

/**
 * Reads one `{"name": …, "arguments": {…}}` object. The call starts once its name is known to be a declared tool (bare
 * JSON: once its arguments begin too) and the arguments are streamed raw from then on; keys it does not know are
 * skipped. Also accepted: `"parameters"` (Llama 3), `"tool_name"` and `"tool_call_id"` (Command R7B), OpenAI's nested
 * `"function": {…}`, arguments sent as a JSON string or null, and no arguments key at all (no arguments).
 */
export class JsonCallReader implements Reader {
  private state: State = "open";
  private text = "";
  private key = "";
  /** Inside the nested `"function": {…}` object. */
  private nested = false;
  private role: Role = "skip";
  private members = 0;
  private name: string | null = null;
  private id: string | undefined;
  private readonly args = new ArgumentsStream();
  /** "none" before the arguments key, "raw" while passing an object through, "done" once the value ended. */
  private argsPhase: "none" | "raw" | "done" = "none";
  /** Arguments that came as a JSON string (or null) and are decoded at the end. */
  private argsText: TextBuilder | null = null;
  private value = new JsonValueScanner();
  private writer: CallWriter | null = null;
  /** The name holds an escape: it is only checked once complete. */
  private escapedName = false;
  /** The call was reported invalid; whatever owns the markup decides what to skip. */
  failed = false;
  /** With `deferFailure`: why the call failed before it started, until `report`. */
  private failure: string | null = null;
  /** With `deferFailure`: the undeclared tool the call named. */
  private undeclared: string | undefined;

  constructor(
    private readonly scan: Scan,
    private readonly options: JsonCallOptions = {},
  ) {}

  get started(): boolean {
    return this.writer !== null;
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "open":
          if (input.rest === 0) return this.needMore();
          if (input.code() !== 123) return this.fail("a call must be a JSON object");
          input.consume(1);
          this.state = "member";
          break;
        case "member":
        case "after": {
          if (!input.skipSpace()) return this.needMore();
          const code = input.code();
          if (code === 125) {
            input.consume(1);
            if (this.nested) {
              this.nested = false;
              this.state = "after";
              break;
            }
            return this.close();
          }
          if (this.state === "after") {
            if (code !== 44) return this.fail("expected , or } in the call object");
            input.consume(1);
            this.state = "member";
          } else if (code === 34) {
            input.consume(1);
            this.text = "";
            this.state = "key";
          } else {
            return this.fail("expected a key in the call object");
          }
          break;
        }
        case "key": {
          const done = this.readString(MAX_KEY);
          if (done !== true) return done;
          this.key = decode(this.text);
          const step = this.chooseRole(this.key);
          if (step) return step;
          this.state = "colon";
          break;
        }
        case "colon":
          if (!input.skipSpace()) return this.needMore();
          if (input.code() !== 58) return this.fail("expected : after a key");
          input.consume(1);
          this.state = "value";
          break;
        case "value": {
          if (!input.skipSpace()) return this.needMore();
          const step = this.startValue(input.code());
          if (step) return step;
          break;
        }
        case "name": {
          const done = this.readString(MAX_NAME, true);
          if (done !== true) return done;
          const step = this.nameRead(decode(this.text));
          if (step) return step;
          break;
        }
        case "id": {
          const done = this.readString(MAX_NAME);
          if (done !== true) return done;
          this.id ??= decode(this.text);
          this.state = "after";
          break;
        }
        case "arguments": {
          const step = this.streamArguments();
          if (step) return step;
          break;
        }
        case "skip": {
          const end = this.value.scan(input.buf, input.pos, input.final);
          if (end === NOT_JSON) {
            input.consume(this.value.errorAt - input.pos);
            return this.fail("the call object is not valid JSON");
          }
          const skipped = input.take(end === NEED_MORE ? input.buf.length : end);
          if (this.role === "arguments") this.argsText?.append(skipped);
          if (end === NEED_MORE) return this.needMore();
          this.state = "after";
          break;
        }
      }
    }
  }

  private chooseRole(key: string): Step | undefined {
    const first = this.members++ === 0;
    if (NAME_KEYS.has(key) && this.name === null) this.role = "name";
    else if (ARGUMENT_KEYS.has(key) && this.argsPhase === "none" && this.argsText === null) this.role = "arguments";
    else if (ID_KEYS.has(key)) this.role = "id";
    else if (first && this.options.shortForm && this.scan.output.tool(key)) this.role = "short";
    else if (this.options.bare && key !== "type") return this.fail("not a call");
    else this.role = "skip";
    if (this.role === "short") this.name = key;
    if (this.options.bare && this.role === "arguments" && this.name === null) return this.fail("not a call");
    return undefined;
  }

  private startValue(code: number): Step | undefined {
    const { input } = this.scan;
    this.value = new JsonValueScanner();
    switch (this.role) {
      case "name":
        // OpenAI's own shape: {"type": "function", "function": {"name": …, "arguments": "…"}}.
        if (code === 123 && this.key === "function" && !this.nested) {
          input.consume(1);
          this.nested = true;
          this.state = "member";
          return undefined;
        }
        if (code !== 34) return this.fail("the tool name must be a string");
        input.consume(1);
        this.text = "";
        this.state = "name";
        return undefined;
      case "id":
        if (code === 34) {
          input.consume(1);
          this.text = "";
          this.state = "id";
          return undefined;
        }
        this.state = "skip";
        return undefined;
      case "arguments":
      case "short":
        if (code === 123) {
          this.argsPhase = "raw";
          this.state = "arguments";
          return this.name !== null ? this.begin() : undefined;
        }
        if (this.role === "short") return this.fail("the arguments must be a JSON object");
        // A string holding JSON, or null: collected whole and decoded when the object ends.
        this.argsText = new TextBuilder();
        if (code === 34) {
          this.argsPhase = "raw";
          this.state = "arguments";
        } else {
          this.state = "skip";
        }
        return undefined;
      default:
        this.state = "skip";
        return undefined;
    }
  }

  private nameRead(name: string): Step | undefined {
    if (!this.scan.output.tool(name)) {
      this.undeclared = name;
      const step = this.fail(`"${name}" is not a declared tool`);
      if (step === "reject" && this.scan.output.tracer) rejectUndeclared(this.scan, name);
      return step;
    }
    this.name = name;
    this.state = "after";
    // Markup (a tag, toolshim's marker) already says this is a call: it starts with its name. Bare JSON only counts
    // once its arguments begin.
    if (!this.options.bare || (this.argsPhase !== "none" && this.argsText === null)) return this.begin();
    return undefined;
  }

  /** The name is declared and the arguments have begun: from here on this is a call. */
  private begin(): Step | undefined {
    if (this.writer || this.name === null) return undefined;
    this.scan.input.commit();
    this.writer = this.scan.output.startCall(this.name, this.id);
    this.writer.deferFailure = this.options.deferFailure === true;
    this.args.attach(this.writer);
    return undefined;
  }

  private streamArguments(): Step | undefined {
    const { input } = this.scan;
    const from = input.pos;
    const end = this.value.scan(input.buf, from, input.final);
    if (end === NOT_JSON) {
      this.feed(input.take(this.value.errorAt));
      return this.fail("the arguments are not valid JSON");
    }
    if (end === NEED_MORE) {
      this.feed(input.take(input.buf.length));
      return this.needMore();
    }
    const piece = input.take(end);
    if (this.argsText !== null) {
      this.argsText.append(piece);
    } else {
      this.args.feed(piece.slice(0, -1));
    }
    this.argsPhase = "done";
    this.state = "after";
    return undefined;
  }

  private feed(piece: string): void {
    if (this.argsText !== null) this.argsText.append(piece);
    else this.args.feed(piece);
  }

  private close(): Step {
    if (this.name === null) return this.fail("the call has no tool name");
    if (this.argsPhase === "none" && this.argsText === null && this.options.bare) return this.fail("not a call");
    if (this.argsText !== null) {
      const inner = decodeArgumentsText(this.argsText.toString());
      if (inner === null) return this.fail("the arguments are not a JSON object");
      this.begin();
      if (inner !== "") this.args.feed(inner.slice(0, -1));
      this.args.finish(inner === "" ? "}" : inner.slice(-1));
      return this.closed();
    }
    this.begin();
    this.args.finish();
    return this.closed();
  }

  /** The object ended; its arguments may still have failed to be a JSON object (a failure held back, if deferred). */
  private closed(): Step {
    if (this.writer?.failure != null) this.failed = true;
    return "done";
  }

  /**
   * Reads string characters up to the closing quote into `text`. A name that can no longer be a declared tool's is
   * rejected at the first character that shows it, and a string over `max` fails one character past the limit, so
   * both happen at the same place however the text was chunked.
   */
  private readString(max: number, isName = false): true | Step {
    const { input, output } = this.scan;
    const { buf } = input;
    const limit = Math.min(buf.length, input.pos + max + 1 - this.text.length);
    const checkName = isName && !this.options.strict;
    let i = input.pos;
    let escaped = false;
    while (i < limit) {
      const code = buf.charCodeAt(i);
      if (escaped) {
        escaped = false;
      } else if (code === 92) {
        escaped = true;
        this.escapedName ||= isName;
      } else if (code === 34) {
        break;
      } else if (checkName && !this.escapedName && !output.mayBeTool(this.text + buf.slice(input.pos, i + 1))) {
        this.text += input.take(i);
        const step = this.fail("not a call");
        if (step === "reject" && output.tracer) {
          output.undeclared((input.held ?? "") + buf.charAt(i), `no declared tool's name begins with "${this.text + buf.charAt(i)}"`);
        }
        return step;
      }
      i++;
    }
    // An escape split across pushes: the backslash waits for the next push.
    if (escaped) i--;
    const closed = !escaped && i < limit;
    this.text += input.take(i);
    if (this.text.length > max) return this.fail("a key or name in the call object is too long");
    if (!closed) return this.needMore();
    input.consume(1);
    return true;
  }

  private needMore(): Step {
    return this.scan.input.final ? this.fail("the output ended inside the call") : "more";
  }

  /** Before the call started, a foreign format is rejected (its text is released); a started or strict call fails. */
  private fail(reason: string): Step {
    if (this.writer) {
      this.failed = true;
      this.writer.fail(reason);
      return "done";
    }
    if (this.options.strict) {
      this.failed = true;
      if (this.options.deferFailure) this.failure = reason;
      else this.scan.output.invalidBeforeStart(reason);
      return "done";
    }
    return "reject";
  }

  /**
   * Reports a failure held back by `deferFailure`, with what the owner made of the block: its repair, or the
   * undeclared tool it named (the reader's own finding unless the repair says otherwise).
   */
  report(details: InvalidDetails = {}): void {
    const found: InvalidDetails = this.undeclared !== undefined && !details.repaired ? { name: this.undeclared, ...details } : details;
    if (this.writer) this.writer.reportFailure(found);
    else if (this.failure !== null) this.scan.output.invalidBeforeStart(this.failure, found);
    this.failure = null;
  }
}

function decode(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

/** Arguments sent as a JSON string (`"{\"a\": 1}"`) or null: the object text inside, "" for none, null if neither. */
function decodeArgumentsText(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === "null") return "";
  try {
    const inner = JSON.parse(trimmed) as unknown;
    if (typeof inner !== "string") return null;
    const object = inner.trim();
    if (object === "") return "";
    return object.startsWith("{") && object.endsWith("}") ? object : null;
  } catch {
    return null;
  }
}
