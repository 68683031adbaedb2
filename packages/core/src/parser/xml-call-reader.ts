import type { JsonSchema } from "../canonical.js";
import { ArgumentsStream } from "./arguments-stream.js";
import type { XmlSyntax } from "./format-table.js";
import { JsonValueScanner, NEED_MORE, NOT_JSON } from "./json-value-scanner.js";
import { convertParameter, isStringParameter, parameterSchema } from "./parameter-value.js";
import { readName, rejectUndeclared } from "./read-name.js";
import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, isSpace, PARTIAL } from "./scan-input.js";
import type { CallWriter } from "./scan-output.js";

type State = "open" | "name" | "name-end" | "body" | "key" | "key-end" | "attributes" | "value-open" | "value" | "json";

const MAX_KEY = 256;

/**
 * A call with one tag per parameter and raw (unquoted) values: Qwen3-Coder, Seed-OSS, MiniMax-M2, `<invoke>`,
 * DeepSeek V3.2, GLM. The JSON arguments are built while the values stream: `{"key": "` once a key is complete, each
 * arriving piece of a string value JSON-escaped, then `", ` between parameters and `}` at the end. Values the tool's
 * schema says are not strings are collected and converted when complete. A missing `</parameter>` is tolerated: the
 * next parameter or the end of the call ends the value.
 */
export class XmlCallReader implements Reader {
  private state: State;
  private text = "";
  private name = "";
  private writer: CallWriter | null = null;
  private params = 0;
  private attributes = "";
  private schema: JsonSchema | undefined;
  private streaming = false;
  /** Whether the value has begun (its first newline is markup). */
  private valueBegun = false;
  /** Whitespace at the end of what has arrived of a string value: it may be the markup's trailing newline. */
  private space = "";
  private readonly valueEnds: string[];
  private readonly implicitEnds: string[];
  private json: { stream: ArgumentsStream; scanner: JsonValueScanner } | null = null;
  failed = false;

  constructor(
    private readonly scan: Scan,
    private readonly syntax: XmlSyntax,
    outerClose: string[],
  ) {
    this.state = syntax.open.length > 0 ? "open" : "name";
    this.implicitEnds = [...syntax.keyOpen, ...syntax.close, ...outerClose];
    this.valueEnds = [...syntax.valueEnd, ...this.implicitEnds];
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      switch (this.state) {
        case "open":
        case "name-end":
        case "key-end":
        case "value-open": {
          const literals = this.literalsFor(this.state);
          if (literals.length > 0) {
            if (this.state === "value-open" && !input.skipSpace()) return this.needMore();
            const match = input.match(literals);
            if (match === PARTIAL) return this.needMore();
            if (match === null) return this.broken(`expected ${literals[0]}`);
            input.consume(match.length);
          }
          const step = this.advance();
          if (step) return step;
          break;
        }
        case "name": {
          const read = readName(this.scan, this.text, this.syntax.nameStop);
          this.text = read.text;
          if (read.step) return read.step === "more" ? this.needMore() : read.step;
          this.name = this.text.trim();
          if (!this.scan.output.tool(this.name)) return rejectUndeclared(this.scan, this.name);
          this.state = "name-end";
          break;
        }
        case "body": {
          const step = this.body();
          if (step) return step;
          break;
        }
        case "key": {
          // Scans at most one character past the limit, so an overlong key fails at the same place in any chunking.
          const limit = Math.min(input.buf.length, input.pos + MAX_KEY + 1 - this.text.length);
          let i = input.pos;
          while (i < limit && !this.syntax.keyStop.includes(input.buf[i] as string)) i++;
          this.text += input.take(i);
          if (this.text.length > MAX_KEY) return this.broken("a parameter name is too long");
          if (i === input.buf.length) return this.needMore();
          this.state = "key-end";
          break;
        }
        case "attributes": {
          const end = input.buf.indexOf(">", input.pos);
          this.attributes += input.take(end === -1 ? input.buf.length : end);
          if (end === -1) return this.needMore();
          input.consume(1);
          this.state = "value-open";
          break;
        }
        case "value": {
          const step = this.value();
          if (step) return step;
          break;
        }
        case "json": {
          const step = this.jsonBody();
          if (step) return step;
          break;
        }
      }
    }
  }

  private literalsFor(state: "open" | "name-end" | "key-end" | "value-open"): string[] {
    if (state === "open") return this.syntax.open;
    if (state === "name-end") return this.syntax.nameEnd;
    if (state === "key-end") return this.syntax.keyEnd;
    return this.syntax.valueOpen;
  }

  /** After a literal: move to the next state. */
  private advance(): Step | undefined {
    switch (this.state) {
      case "open":
        this.state = "name";
        return undefined;
      case "name-end":
        this.scan.input.commit();
        this.writer = this.scan.output.startCall(this.name);
        this.state = "body";
        return undefined;
      case "key-end":
        this.state = this.syntax.attributes ? "attributes" : "value-open";
        return undefined;
      default:
        this.beginValue();
        return undefined;
    }
  }

  private body(): Step | undefined {
    const { input } = this.scan;
    if (!input.skipSpace()) return input.final ? this.end() : "more";
    if (this.syntax.jsonBody && this.params === 0 && input.code() === 123) {
      this.json = { stream: new ArgumentsStream(), scanner: new JsonValueScanner() };
      this.json.stream.attach(this.writer as CallWriter);
      this.state = "json";
      return undefined;
    }
    const match = input.match([...this.syntax.keyOpen, ...this.syntax.close]);
    if (match === PARTIAL) return "more";
    if (match !== null) {
      input.consume(match.length);
      if (this.syntax.close.includes(match)) return this.end();
      this.text = "";
      this.attributes = "";
      this.state = "key";
      return undefined;
    }
    // Anything else (the wrapper's closer, text) ends the call; it is left for whoever reads on.
    return this.end();
  }

  private beginValue(): void {
    const key = this.text.trim();
    const hint = /\bstring="(true|false)"/.exec(this.attributes)?.[1];
    this.schema = parameterSchema(this.scan.output.tool(this.name), key);
    this.streaming = hint === undefined ? isStringParameter(this.schema) : hint === "true";
    this.writer?.write(`${this.params++ === 0 ? "{" : ", "}${JSON.stringify(key)}: ${this.streaming ? '"' : ""}`);
    this.text = "";
    this.attributes = hint === undefined ? "" : hint;
    this.valueBegun = false;
    this.space = "";
    this.state = "value";
  }

  private value(): Step | undefined {
    const { input } = this.scan;
    const found = findLiteral(input, input.pos, this.valueEnds);
    const end = found.at === -1 ? input.buf.length : found.at;
    this.valueText(input.take(end));
    if (found.at === -1 || found.match === PARTIAL) {
      return input.final ? this.broken("the output ended inside a parameter value") : "more";
    }
    const match = found.match as string;
    if (!this.implicitEnds.includes(match)) input.consume(match.length);
    this.endValue();
    this.state = "body";
    return undefined;
  }

  private valueText(piece: string): void {
    let text = piece;
    if (!this.valueBegun && this.syntax.trim) {
      // Leading whitespace of any length is dropped while it arrives, so every chunking gives the same value.
      let start = 0;
      while (start < text.length && isSpace(text.charCodeAt(start))) start++;
      text = text.slice(start);
    }
    if (!this.valueBegun && text !== "") {
      this.valueBegun = true;
      // Only "\n": a "\r\n" split across pushes would otherwise be stripped in some chunkings and not others.
      text = text.replace(/^\n/, "");
    }
    if (!this.streaming) {
      this.text += text;
      return;
    }
    let trailing = text.length;
    while (trailing > 0 && isSpace(text.charCodeAt(trailing - 1))) trailing--;
    if (trailing === 0) {
      this.space += text;
      return;
    }
    this.writeString(this.space + text.slice(0, trailing));
    this.space = text.slice(trailing);
  }

  private endValue(): void {
    if (this.streaming) {
      // Whitespace held at the end of a string value: all of it is markup when values are trimmed.
      if (!this.syntax.trim) this.writeString(this.space.replace(/\r?\n[ \t]*$/, ""));
      this.writer?.write('"');
    } else {
      this.writer?.write(convertParameter(this.text, this.schema, this.attributes === "false", this.syntax.trim));
    }
    this.text = "";
  }

  private writeString(text: string): void {
    if (text !== "") this.writer?.write(JSON.stringify(text).slice(1, -1));
  }

  private jsonBody(): Step | undefined {
    const { input } = this.scan;
    const json = this.json as { stream: ArgumentsStream; scanner: JsonValueScanner };
    const end = json.scanner.scan(input.buf, input.pos, input.final);
    if (end === NOT_JSON) {
      json.stream.feed(input.take(json.scanner.errorAt));
      return this.broken("the arguments are not valid JSON");
    }
    if (end === NEED_MORE) {
      json.stream.feed(input.take(input.buf.length));
      return input.final ? this.broken("the output ended inside the call's arguments") : "more";
    }
    json.stream.feed(input.take(end).slice(0, -1));
    json.stream.finish();
    this.writer = null;
    this.state = "body";
    return undefined;
  }

  /** The call's end: the closing brace (or "{}" without parameters) comes with the end event. */
  private end(): Step {
    this.writer?.end(this.params === 0 ? "{}" : "}");
    this.writer = null;
    return "done";
  }

  private needMore(): Step {
    return this.scan.input.final ? this.broken("the output ended inside the call") : "more";
  }

  /** Before the call started this was not a call after all; after, the call is reported invalid. */
  private broken(reason: string): Step {
    if (!this.writer) return "reject";
    this.writer.fail(reason);
    this.failed = true;
    this.writer = null;
    return "done";
  }
}
