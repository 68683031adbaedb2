import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The README says @toolshim/core runs on Node, Deno, Bun and in Workers; this checks it. The core (its built dist and
// dependencies) and src/probe.ts are bundled once, as a Worker or browser user would, into one module with no imports;
// each runtime runs it and must answer exactly what Node answers. The runtimes come from the npm registry (packages
// deno, bun, miniflare with its workerd).
const run = promisify(execFile);
const bin = (name: string) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;

let dir: string;
let bundle: string;
let runner: string;
let onNode: unknown;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "toolshim-runtimes-"));
  bundle = join(dir, "probe.mjs");
  await build({
    entryPoints: [new URL("./probe.ts", import.meta.url).pathname],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import"],
    target: "es2022",
    loader: { ".jsonl": "text" },
    // Only the provider contract suite imports vitest, lazily; the probe never calls it.
    external: ["vitest"],
    outfile: bundle,
    logLevel: "error",
  });
  runner = join(dir, "run.mjs");
  writeFileSync(runner, 'import { probe } from "./probe.mjs";\nconsole.log(JSON.stringify(await probe()));\n');
  onNode = JSON.parse((await run(process.execPath, [runner], { maxBuffer: 16 * 1024 * 1024 })).stdout);
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("@toolshim/core on other runtimes", () => {
  it("answers sensibly on Node (the reference)", () => {
    const result = onNode as { vectors: { whole: { calls?: unknown[]; error?: string } }[]; roundTrip: unknown };
    expect(result.vectors).toHaveLength(70);
    expect(result.vectors.filter((vector) => (vector.whole.calls?.length ?? 0) > 0).length).toBeGreaterThan(40);
    expect(result.roundTrip).toEqual({ done: true, name: "get_weather", arguments: '{"city": "Paris"}', finish: "tool_calls" });
  });

  it("gives Node's answers on Deno", async () => {
    const { stdout } = await run(bin("deno"), ["run", "--no-prompt", `--allow-read=${dir}`, runner], {
      env: { ...process.env, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(JSON.parse(stdout)).toEqual(onNode);
  });

  it("gives Node's answers on Bun", async () => {
    const { stdout } = await run(bin("bun"), ["run", runner], { maxBuffer: 16 * 1024 * 1024 });
    expect(JSON.parse(stdout)).toEqual(onNode);
  });

  it("gives Node's answers in a Worker on workerd", async () => {
    // modulesRoot: workerd refuses module paths that climb out of its starting directory.
    const worker = new Miniflare({ modules: true, scriptPath: bundle, modulesRoot: dir, compatibilityDate: "2025-09-01" });
    try {
      const response = await worker.dispatchFetch("http://localhost/");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(onNode);
    } finally {
      await worker.dispose();
    }
  });
});
