import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEFAULT_SEMI_SPACE_MB, reexecWithSemiSpace, semiSpaceArgs } from "./semi-space-reexec.js";

const launch = (env: Record<string, string | undefined> = {}, execArgv: string[] = []) => ({
  execPath: "/usr/bin/node",
  execArgv,
  argv: ["/app/dist/cli.js", "serve", "--port", "0"],
  env,
});

describe("semiSpaceArgs", () => {
  it("starts Node again with toolshim's young-generation size, keeping the user's flags and arguments", () => {
    expect(semiSpaceArgs(launch({}, ["--enable-source-maps"]))).toEqual([
      "/usr/bin/node",
      `--max-semi-space-size=${DEFAULT_SEMI_SPACE_MB}`,
      "--enable-source-maps",
      "/app/dist/cli.js",
      "serve",
      "--port",
      "0",
    ]);
  });

  it("leaves a size the user chose alone, by flag or NODE_OPTIONS, and V8's default on request", () => {
    expect(semiSpaceArgs(launch({}, ["--max-semi-space-size=64"]))).toBeUndefined();
    expect(semiSpaceArgs(launch({ NODE_OPTIONS: "--max_semi_space_size=8 --trace-warnings" }))).toBeUndefined();
    expect(semiSpaceArgs(launch({ TOOLSHIM_SEMI_SPACE_MB: "node" }))).toBeUndefined();
    expect(semiSpaceArgs(launch({ TOOLSHIM_SEMI_SPACE_MB: "32" }))?.[1]).toBe("--max-semi-space-size=32");
  });

  it("names the variable and what it takes when its value is not a size", () => {
    expect(() => semiSpaceArgs(launch({ TOOLSHIM_SEMI_SPACE_MB: "16MB" }))).toThrow(/TOOLSHIM_SEMI_SPACE_MB must be a whole number of MB .* not "16MB"/);
  });

  it("goes on in the same process where it cannot be replaced (Windows)", () => {
    expect(() => reexecWithSemiSpace({ ...launch(), execve: undefined })).not.toThrow();
  });
});

describe("the re-executed process", () => {
  it("runs with the young generation capped (V8 reports the flag and a new space of two semi-spaces at most)", () => {
    const script = [
      'import { reexecWithSemiSpace } from "./src/cli/semi-space-reexec.ts";',
      "reexecWithSemiSpace({ execPath: process.execPath, execArgv: process.execArgv, argv: process.argv.slice(1), env: process.env, execve: process.execve });",
      'const v8 = await import("node:v8");',
      "const keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 100000) keep.splice(0, 1000); }",
      'const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;',
      "console.log(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, young }));",
    ].join("\n");
    const result = spawnSync(process.execPath, ["--input-type=module", "--experimental-strip-types", "--no-warnings", "-e", script], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { ...process.env, NODE_OPTIONS: "", TOOLSHIM_SEMI_SPACE_MB: "4" },
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout) as { execArgv: string[]; young: number };
    expect(report.execArgv).toContain("--max-semi-space-size=4");
    expect(report.young).toBeLessThanOrEqual(2 * 4 * 1024 * 1024 + 1024 * 1024);
  });
});
