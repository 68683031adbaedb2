import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { loadConfigFile } from "./load-config.js";
import { locateProblems, splitProblem } from "./locate-problems.js";

async function problemsIn(text: string, extension = ".yaml"): Promise<string[]> {
  const file = join(await mkdtemp(join(tmpdir(), "toolshim-locate-")), `config${extension}`);
  await writeFile(file, text);
  const error = await loadConfigFile(file, { env: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("config problems in a file", () => {
  it("say where, echo the value and hint that a URL needs its scheme", async () => {
    const problems = await problemsIn(
      ["providers:", "  local:", "    use: generic", "    baseURL: 127.0.0.1:11434/v1", "models:", "  - { id: m, provider: local }", ""].join("\n"),
    );
    expect(problems).toEqual([
      'line 4, column 14: providers.local.baseURL: Invalid URL; you wrote "127.0.0.1:11434/v1"; hint: a URL starts with its scheme: write http://127.0.0.1:11434/v1 (or https:// for a remote server)',
    ]);
  });

  it("point at a mistyped key and suggest the key it meant", async () => {
    const problems = await problemsIn(["server:", "  prot: 9000", "providers: { demo: { use: demo } }", "models: [{ id: m, provider: demo }]", ""].join("\n"));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^line 2, column 3: server: unknown key "prot"; allowed keys: .*; did you mean "port"\?$/);
  });

  it("never echo a secret, but show a ${VAR} reference as written", async () => {
    const secret = await problemsIn(["server:", "  apiKeys: [sk-live-123456789, 42]", "providers: { demo: { use: demo } }", "models: [{ id: m, provider: demo }]", ""].join("\n"));
    expect(secret.join("\n")).not.toContain("sk-live-123456789");
    expect(secret[0]).toMatch(/^line 2, column 32: server\.apiKeys\[1\]: .*\(value hidden: it looks like a secret\)$/);

    const reference = await problemsIn(['providers: { demo: { use: demo } }', 'models: [{ id: m, provider: demo }]', 'server: { port: "${PORT}" }', ""].join("\n"));
    expect(reference[0]).toMatch(/^line 3, column 17: server\.port: environment variable PORT is not set/);
  });

  it("work for JSON files too, and fall back to the deepest key that exists", async () => {
    const problems = await problemsIn(JSON.stringify({ providers: { demo: { use: "demo" } }, models: [{ provider: "demo" }] }, null, 2), ".json");
    expect(problems).toEqual([expect.stringMatching(/^line 8, column 5: models\[0\]\.id: is required/)]);
  });
});

describe("splitProblem", () => {
  it("reads back the paths formatPath writes", () => {
    expect(splitProblem('providers["my provider"].accounts[2].token: bad')).toEqual({ path: ["providers", "my provider", "accounts", 2, "token"], message: "bad" });
    expect(splitProblem("cannot parse YAML: x")).toBeUndefined();
  });

  it("leaves problems it cannot place unchanged", () => {
    expect(locateProblems(["models: define at least one model"], "providers: {}\n")).toEqual(["models: define at least one model"]);
  });
});
