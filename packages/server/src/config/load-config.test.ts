import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { defaultConfig } from "./default-config.js";
import { loadConfigFile, resolveConfig } from "./load-config.js";

const example = new URL("../../examples/toolshim.example.yaml", import.meta.url).pathname;

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const minimal = () => ({
  providers: { local: { use: "generic", baseURL: "http://127.0.0.1:8080/v1" } },
  models: [{ id: "m", provider: "local" }],
});

describe("loadConfigFile", () => {
  it("accepts the shipped example, with defaults and environment defaults applied", async () => {
    const config = await loadConfigFile(example, { env: {} });
    expect(config.server).toMatchObject({ host: "127.0.0.1", port: 8686, apiKeys: ["change-me"], bodyLimit: 10 * 1024 * 1024 });
    expect(config.providers.local).toMatchObject({ use: "generic", options: { baseURL: "http://127.0.0.1:8080/v1", tools: "auto" } });
    expect(config.models.map((m) => [m.id, m.provider, m.upstreamModel])).toEqual([
      ["local-model", "local", "qwen2.5-7b-instruct"],
      ["toolshim-demo", "demo", "toolshim-demo"],
    ]);
  });

  it("takes numbers from environment variables", async () => {
    const config = await loadConfigFile(example, { env: { PORT: "9999", TOOLSHIM_API_KEY: "k-123456" } });
    expect(config.server.port).toBe(9999);
    expect(config.server.apiKeys).toEqual(["k-123456"]);
  });

  it("reads JSON by extension and rejects other extensions", async () => {
    const dir = await mkdtemp(join(tmpdir(), "toolshim-config-"));
    await writeFile(join(dir, "c.json"), JSON.stringify(minimal()));
    expect((await loadConfigFile(join(dir, "c.json"))).models[0]!.upstreamModel).toBe("m");
    await writeFile(join(dir, "c.toml"), "x = 1");
    await expect(loadConfigFile(join(dir, "c.toml"))).rejects.toThrow(/unsupported config file type ".toml": use .yaml, .yml or .json/);
    await expect(loadConfigFile(join(dir, "missing.yaml"))).rejects.toThrow(/cannot read the config file: file not found/);
    await writeFile(join(dir, "bad.yaml"), "server:\n  port: [1,\n");
    await expect(loadConfigFile(join(dir, "bad.yaml"))).rejects.toThrow(/cannot parse YAML/);
  });
});

describe("resolveConfig", () => {
  it("points at an unknown provider and lists the defined ones", () => {
    const document = { ...minimal(), models: [{ id: "m", provider: "locl" }] };
    expect(problemsOf(() => resolveConfig(document))).toEqual(['models[0].provider: unknown provider "locl"; defined providers: local']);
  });

  it("names a missing environment variable with its key path, and honours defaults", () => {
    const document = { ...minimal(), server: { apiKeys: ["${TOOLSHIM_KEY}"], host: "${HOST:-0.0.0.0}" } };
    expect(problemsOf(() => resolveConfig(document, { env: {} }))).toEqual([
      "server.apiKeys[0]: environment variable TOOLSHIM_KEY is not set (set it, or write ${TOOLSHIM_KEY:-default} to give a default)",
    ]);
    const config = resolveConfig(document, { env: { TOOLSHIM_KEY: "secret-key" } });
    expect(config.server).toMatchObject({ apiKeys: ["secret-key"], host: "0.0.0.0" });
    expect(resolveConfig({ ...minimal(), server: { host: "$${HOST}" } }, { env: {} }).server.host).toBe("${HOST}");
  });

  it("lists the allowed keys when a key is misspelled", () => {
    const problems = problemsOf(() => resolveConfig({ ...minimal(), server: { prot: 1 } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^server: unknown key "prot"; allowed keys: host, port, apiKeys/);
  });

  it("validates provider options with the provider's own schema, under the provider's key path", () => {
    const problems = problemsOf(() =>
      resolveConfig({ providers: { local: { use: "generic", baseURL: "not a url", tool: "auto" } }, models: [{ id: "m", provider: "local" }] }),
    );
    expect(problems.some((p) => p.startsWith("providers.local.baseURL:"))).toBe(true);
    expect(problems.some((p) => /^providers\.local: unknown key "tool"; allowed keys: .*tools/.test(p))).toBe(true);
  });

  it("rejects an unknown provider kind and a missing use", () => {
    expect(problemsOf(() => resolveConfig({ providers: { x: { use: "genric" } }, models: [{ id: "m", provider: "x" }] }))).toEqual([
      expect.stringMatching(/^providers\.x\.use: unknown provider kind "genric"; available: generic, demo\b/),
    ]);
    expect(problemsOf(() => resolveConfig({ providers: { x: {} }, models: [{ id: "m", provider: "x" }] }))[0]).toMatch(
      /^providers\.x\.use: is required/,
    );
  });

  it("reports every problem at once: types, enums, duplicates, empty keys, missing sections", () => {
    const problems = problemsOf(() =>
      resolveConfig({
        server: { port: "eighty", apiKeys: [""], bodyLimit: "lots" },
        providers: { demo: { use: "demo" } },
        models: [],
        logging: { level: "loud" },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^server\.port: expected number/),
        expect.stringMatching(/^server\.apiKeys\[0\]: an empty API key would let anyone in/),
        expect.stringMatching(/^server\.bodyLimit: expected a size such as 10mb/),
        "models: define at least one model clients can use",
        expect.stringMatching(/^logging\.level: must be one of "fatal", "error"/),
      ]),
    );
    expect(problemsOf(() => resolveConfig({ providers: { demo: { use: "demo" } }, models: [{ id: "a", provider: "demo" }, { id: "a", provider: "demo" }] }))).toEqual([
      'models[1].id: "a" is already used by models[0]',
    ]);
    expect(problemsOf(() => resolveConfig({}))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^providers: is required/), expect.stringMatching(/^models: is required/)]),
    );
  });

  it("has a default config that serves the demo model on loopback", () => {
    const config = defaultConfig();
    expect(config.server.host).toBe("127.0.0.1");
    expect(config.models).toEqual([expect.objectContaining({ id: "toolshim-demo", provider: "demo", ownedBy: "toolshim-demo" })]);
  });
});
