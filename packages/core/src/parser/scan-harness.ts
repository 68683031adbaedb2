import type { ToolDefinition } from "../canonical.js";
import type { ScanContext, ScanEvent } from "../dialect/dialect.js";
import { checkScanEvents, type ScanSegment } from "./check-scan-events.js";
import { createScanner } from "./create-scanner.js";

/** Feeds `chunks` to a fresh scanner and returns every event, `end()` included unless `end` is false. */
export function scanChunks(context: ScanContext, chunks: readonly string[], end = true): ScanEvent[] {
  const scanner = createScanner(context);
  const events: ScanEvent[] = [];
  for (const chunk of chunks) events.push(...scanner.push(chunk));
  if (end) events.push(...scanner.end());
  return events;
}

/** Scans `chunks` and checks the event contract; returns the summary. */
export function scanChecked(context: ScanContext, chunks: readonly string[], end = true): ScanSegment[] {
  return checkScanEvents(
    scanChunks(context, chunks, end),
    context.tools.map((tool) => tool.name),
    end,
  );
}

/** The text cut at `at` positions (sorted, within the text). */
export function cutAt(text: string, at: readonly number[]): string[] {
  const chunks: string[] = [];
  let from = 0;
  for (const cut of at) {
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  chunks.push(text.slice(from));
  return chunks;
}

/** Mulberry32: a small seeded generator, so random splits and fuzz cases are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random cut positions, anywhere (including inside surrogate pairs and markers). */
export function randomCuts(text: string, random: () => number, maxChunk: number): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (;;) {
    at += 1 + Math.floor(random() * maxChunk);
    if (at >= text.length) return cuts;
    cuts.push(at);
  }
}

export function tool(name: string, properties: Record<string, unknown> = {}): ToolDefinition {
  return { name, parameters: { type: "object", properties }, strict: false };
}
