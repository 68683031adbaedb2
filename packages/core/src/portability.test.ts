import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

// Core runs on Node, Deno, Bun, workers and browsers: its shipped sources may not reach for Node's built-ins.
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === "__fixtures__" ? [] : sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

describe("portability", () => {
  it("imports no Node built-ins and no Node globals outside tests", () => {
    const root = join(import.meta.dirname, ".");
    const offenders = sources(root).filter((file) =>
      /from\s+["'](node:|fs|path|crypto|stream|buffer|events)["']|\bprocess\.|\bBuffer\./.test(readFileSync(file, "utf8")),
    );
    expect(offenders.map((file) => relative(root, file))).toEqual([]);
  });
});
