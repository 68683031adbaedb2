import { jsonrepair } from "jsonrepair";
import type { ToolDefinition } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import { JsonCallReader } from "./json-call-reader.js";
import { ScanInput } from "./scan-input.js";
import { type InvalidDetails, ScanOutput } from "./scan-output.js";

/**
 * `jsonrepair` runs on the event loop and is not linear on every input: where a string's quotes do not match, it
 * rescans the rest of the block once per quote (measured here: a 128 KB block of `a" b` took 4 s, a 1 MB one ten
 * minutes; 4 KB of single-quoted text with 210 quotes, 0.46 s). So only blocks whose length times quote count stays
 * small are repaired (at most about 10 ms on a loaded 2-core machine); a larger broken call is asked for again.
 */
const MAX_REPAIR_CHARACTERS = 8_192;
const MAX_REPAIR_WORK = 65_536;

/**
 * Repairs the JSON of one broken call in toolshim's own marker (everything between the opening marker and the
 * closing one) with `jsonrepair`: single quotes, Python literals, trailing commas, unescaped newlines, missing closing
 * brackets. The repaired text is read by the same JSON call reader as any call, so its shapes and its arguments text
 * (the model's own formatting, where the repair left it alone) are exactly what an intact call would give. Returns
 * the call when the repair gives one call with a JSON object of arguments; the undeclared tool it names, if it names
 * one; nothing otherwise.
 */
export function repairCallBlock(raw: string, tools: readonly ToolDefinition[]): InvalidDetails {
  let text = raw.trim();
  // A closing code fence before the marker (the opening one was markup already).
  if (text.endsWith("```")) text = text.slice(0, -3).trimEnd();
  if (!text.startsWith("{") || text.length > MAX_REPAIR_CHARACTERS) return {};
  if (text.length * (count(text, '"') + count(text, "'")) > MAX_REPAIR_WORK) return {};
  let repaired: string;
  try {
    repaired = jsonrepair(text);
  } catch {
    // Not repairable (or nested too deeply for the repairer): the call stays broken.
    return {};
  }
  // A repair may fix how values are written, never supply one: `{"city": }` becomes `{"city": null}`, a value the
  // model did not write.
  if (count(repaired, "null") > count(text, "null") + count(text, "None")) return {};
  const scan = { input: new ScanInput(), output: new ScanOutput(tools) };
  scan.input.append(repaired);
  scan.input.final = true;
  const reader = new JsonCallReader(scan, { strict: true, deferFailure: true });
  if (reader.step() !== "done") return {};
  if (reader.failed) {
    reader.report();
    const invalid = scan.output.take().find((event) => event.type === "call-invalid");
    return invalid?.name === undefined ? {} : { name: invalid.name };
  }
  // One call object and nothing after it: a repair that leaves more than one value guessed where the call ends.
  if (scan.input.skipSpace()) return {};
  return callOf(scan.output.take());
}

function callOf(events: ScanEvent[]): InvalidDetails {
  const start = events.find((event) => event.type === "call-start");
  const end = events.find((event) => event.type === "call-end");
  if (start?.type !== "call-start" || end?.type !== "call-end") return {};
  return { repaired: { name: start.name, arguments: end.arguments } };
}

function count(text: string, word: string): number {
  let found = 0;
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + word.length)) found++;
  return found;
}
