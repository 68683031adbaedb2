import type { Scan, Step } from "./reader.js";

/**
 * Reads a tool name written as markup, up to one of the `stops` characters. At the first character after which what
 * has arrived cannot begin a declared tool's name, the reader gives up ("reject", with the cursor on that character),
 * so markup naming an unknown tool is released as text early and the scan resumes right there.
 */
export function readName(scan: Scan, text: string, stops: string): { text: string; step?: Step } {
  const { input, output } = scan;
  const { buf } = input;
  let name = text;
  let i = input.pos;
  while (i < buf.length) {
    const char = buf[i] as string;
    if (stops.includes(char)) break;
    if (!output.mayBeTool((name + char).trimStart())) {
      input.take(i);
      if (output.tracer) output.undeclared((input.held ?? "") + char, `no declared tool's name begins with "${(name + char).trimStart()}"`);
      return { text: name, step: "reject" };
    }
    name += char;
    i++;
  }
  input.take(i);
  if (i === buf.length && !input.final) return { text: name, step: "more" };
  return { text: name };
}

/** A complete name that no declared tool has: the markup is released as text (and traced when a tracer asked). */
export function rejectUndeclared(scan: Scan, name: string): "reject" {
  const { input, output } = scan;
  if (output.tracer) output.undeclared(input.held ?? name, `"${name}" is not a declared tool`);
  return "reject";
}
