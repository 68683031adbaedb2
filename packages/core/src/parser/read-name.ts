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
      return { text: name, step: "reject" };
    }
    name += char;
    i++;
  }
  input.take(i);
  if (i === buf.length && !input.final) return { text: name, step: "more" };
  return { text: name };
}
