import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

// The README's "use the core in your own code" example, run as written: only its two package imports are pointed at
// this checkout's sources, since the repository root has no node_modules/@toolshim.
const example = join(import.meta.dirname, "../../../../examples/core-usage.mjs");

describe("examples/core-usage.mjs", () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.restoreAllMocks();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs and prints the tool call", async () => {
    const source = readFileSync(example, "utf8");
    const core = pathToFileURL(join(import.meta.dirname, "../index.ts")).href;
    const testing = pathToFileURL(join(import.meta.dirname, "../testing/index.ts")).href;
    const rewritten = source.replace('"@toolshim/core/testing"', JSON.stringify(testing)).replace('"@toolshim/core"', JSON.stringify(core));
    expect(rewritten).not.toContain('from "@toolshim/core');
    dir = mkdtempSync(join(tmpdir(), "toolshim-example-"));
    const file = join(dir, "core-usage.mjs");
    writeFileSync(file, rewritten);

    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    });
    await import(/* @vite-ignore */ pathToFileURL(file).href);

    expect(lines.slice(0, 3)).toEqual(["tool_calls", "Let me check.\n", '{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"}']);
    const deltas = lines.slice(3);
    expect(deltas[0]).toMatch(/^tool call delta: \[\{"index":0,"id":"call_[A-Za-z0-9]{24}","type":"function","function":\{"name":"get_weather","arguments":""\}\}\]$/);
    const streamedArguments = deltas
      .slice(1)
      .map((line) => (JSON.parse(line.replace("tool call delta: ", "")) as { function: { arguments: string } }[])[0]?.function.arguments)
      .join("");
    expect(JSON.parse(streamedArguments)).toEqual({ city: "Paris" });
  });
});
