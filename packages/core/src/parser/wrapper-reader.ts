import type { ItemSyntax, WrapperSyntax } from "./format-table.js";
import { JsonCallReader } from "./json-call-reader.js";
import { NamedCallReader } from "./named-call-reader.js";
import type { Reader, Scan, Step } from "./reader.js";
import { findLiteral, PARTIAL } from "./scan-input.js";
import { XmlCallReader } from "./xml-call-reader.js";

/** Creates the reader for one call syntax at the cursor. `outerClose` ends a call whose own closer is missing. */
export function createItemReader(scan: Scan, syntax: ItemSyntax, outerClose: string[]): Reader {
  switch (syntax.kind) {
    case "json":
      return new JsonCallReader(scan, { shortForm: syntax.shortForm ?? false, bare: syntax.bare ?? false });
    case "named":
      return new NamedCallReader(scan, syntax, outerClose);
    case "xml":
      return new XmlCallReader(scan, syntax, outerClose);
    case "wrapper":
      return new WrapperReader(scan, syntax, outerClose);
  }
}

/** The literals that begin an item; empty for items that begin with the tool name itself. */
function itemOpeners(syntax: ItemSyntax): string[] {
  return syntax.kind === "json" ? ["{"] : syntax.open;
}

/**
 * Reads a wrapper: its opener, then calls (optionally inside a JSON array, separated by whitespace or separator
 * markup), then its closer. Until its first call starts it is tentative: if what follows the opener is not a call of
 * a declared tool, the whole wrapper is released as text. A later item that is not a call ends the wrapper and is
 * released as text too.
 */
export class WrapperReader implements Reader {
  private opened: boolean;
  private calls = 0;
  private inArray = false;
  /** Whether the array has been seen (a non-repeating wrapper holds one array or one call). */
  private arrayDone = false;
  private item: Reader | null = null;
  /** A call inside failed: the rest up to the closer is its broken markup. */
  private skipping = false;
  private readonly close: string[];

  constructor(
    private readonly scan: Scan,
    private readonly syntax: WrapperSyntax,
    outerClose: string[] = [],
  ) {
    this.opened = syntax.open.length === 0;
    this.close = [...syntax.close, ...outerClose];
  }

  step(): Step {
    const { input } = this.scan;
    for (;;) {
      const item = this.item;
      if (item) {
        const step = item.step();
        if (step === "more") return "more";
        this.item = null;
        if (step === "reject") {
          if (this.calls === 0) return "reject";
          this.scan.output.text(input.held ?? "");
          input.commit();
          return "done";
        }
        this.calls++;
        this.skipping = item.failed === true && this.close.length > 0;
        continue;
      }
      if (this.skipping) {
        const found = findLiteral(input, input.pos, this.close);
        if (found.at === -1 || found.match === PARTIAL) {
          input.consume((found.at === -1 ? input.buf.length : found.at) - input.pos);
          return input.final ? this.finish() : "more";
        }
        input.consume(found.at - input.pos);
        this.skipping = false;
        continue;
      }
      if (!this.opened) {
        const open = input.match(this.syntax.open);
        if (open === PARTIAL) return "more";
        if (open === null) return "reject";
        input.consume(open.length);
        this.opened = true;
        continue;
      }
      if (!input.skipSpace()) return input.final ? this.finish() : "more";
      const close = input.match(this.syntax.close);
      if (close === PARTIAL) return "more";
      if (close !== null) {
        input.consume(close.length);
        return this.finish();
      }
      const code = input.code();
      if (this.inArray) {
        if (code === 93) {
          input.consume(1);
          this.inArray = false;
          this.arrayDone = true;
          continue;
        }
        if (code === 44 && this.calls > 0) {
          input.consume(1);
          continue;
        }
      } else if (this.calls > 0 || this.arrayDone) {
        if (!this.syntax.repeat) return this.finish();
        const separator = input.match(this.syntax.separators ?? []);
        if (separator === PARTIAL) return "more";
        if (separator !== null) {
          input.consume(separator.length);
          continue;
        }
      }
      if (code === 91 && this.syntax.array && !this.inArray) {
        input.consume(1);
        this.inArray = true;
        continue;
      }
      const started = this.startItem(code);
      if (started === "more") return "more";
      if (!started) return this.finish();
    }
  }

  /** Finds the item syntax that begins at the cursor and starts its reader. */
  private startItem(code: number): boolean | "more" {
    const { input } = this.scan;
    const itemClose = this.inArray ? [...this.close, "]", ","] : this.close;
    let nameFirst: ItemSyntax | undefined;
    let waiting = false;
    for (const syntax of this.syntax.items) {
      const openers = itemOpeners(syntax);
      if (openers.length === 0) {
        nameFirst ??= syntax;
        continue;
      }
      const open = input.match(openers);
      if (open === PARTIAL) waiting = true;
      else if (open !== null) return this.begin(syntax, itemClose);
    }
    if (waiting) return "more";
    // Markup and JSON punctuation never begin a tool name.
    if (nameFirst && !"<>{}[]\"',;:".includes(String.fromCharCode(code))) return this.begin(nameFirst, itemClose);
    return false;
  }

  private begin(syntax: ItemSyntax, itemClose: string[]): true {
    // After the first call the wrapper is committed: a later item that is not a call is released on its own.
    if (this.scan.input.held === null) this.scan.input.hold();
    this.scan.output.gate?.restart();
    this.item = createItemReader(this.scan, syntax, itemClose);
    return true;
  }

  private finish(): Step {
    return this.calls > 0 ? "done" : "reject";
  }
}
