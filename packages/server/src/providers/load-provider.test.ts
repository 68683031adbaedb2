import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/config-error.js";
import { loadConfigFile, resolveConfig } from "../config/load-config.js";
import { createLogger } from "../logging/create-logger.js";
import { createUpstreams } from "./create-upstreams.js";
import { isExternalProvider, packagesForShortName } from "./load-provider.js";
import { builtInProviderPackages, providerKinds } from "./registry.js";

const fixtures = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
const logger = createLogger({ level: "silent" });

/** A config file in a fresh folder; `use` may depend on that folder (for relative paths). */
function configFile(use: string | ((dir: string) => string), extra = ""): string {
  const dir = mkdtempSync(join(tmpdir(), "toolshim-provider-"));
  const path = join(dir, "toolshim.yaml");
  writeFileSync(path, `providers:\n  mine:\n    use: ${JSON.stringify(typeof use === "string" ? use : use(dir))}\n${extra}models:\n  - { id: m, provider: mine, upstreamModel: echo-1 }\n`);
  return path;
}

const INSTALLED_ECHO_PROVIDER = `export default {
  specificationVersion: "v1",
  name: "echo-short",
  settings: { safeParse: (value) => ({ success: true, data: value }) },
  create: (settings, context) => ({
    name: context.name,
    listModels: async () => [],
    async *stream(request) {
      yield { type: "text", text: "echo: " + request.messages.at(-1).content };
      yield { type: "end", reason: "stop" };
    },
  }),
};
`;

async function problemsOf(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).problems;
}

describe("providers named by path or package", () => {
  it("loads a provider folder by absolute and by config-relative path, validates its settings and serves it", async () => {
    const absolute = configFile(join(fixtures, "echo-provider"), "    prefix: 'said: '\n");
    const viaRelative = configFile((dir) => `./${relative(dir, join(fixtures, "echo-provider"))}`);
    for (const path of [absolute, viaRelative]) {
      const config = await loadConfigFile(path, { env: {} });
      const upstream = createUpstreams(config, { logger }).get("mine")!;
      const events = [];
      for await (const event of upstream.stream({ model: "echo-1", messages: [{ role: "user", content: "hi" }], options: {} }, new AbortController().signal)) events.push(event);
      expect(events[0]).toEqual({ type: "text", text: `${path === absolute ? "said: " : "echo: "}hi` });
      expect(await upstream.health?.()).toEqual({ status: "ok", provider: "mine" });
    }
  });

  it("reports the provider's own settings errors under its key", async () => {
    expect(await problemsOf(loadConfigFile(configFile(join(fixtures, "echo-provider"), "    prefx: 1\n"), { env: {} }))).toEqual([
      expect.stringMatching(/providers\.mine.*prefx/),
    ]);
  });

  it("refuses a provider of another spec version, a missing path and a package that is not installed, saying why", async () => {
    expect((await problemsOf(loadConfigFile(configFile(join(fixtures, "future-provider")), { env: {} })))[0]).toMatch(/written for provider spec "v9".*understands "v1"/);
    expect((await problemsOf(loadConfigFile(configFile("./nowhere"), { env: {} })))[0]).toMatch(/nowhere does not exist/);
    expect((await problemsOf(loadConfigFile(configFile("@nobody/toolshim-provider-none"), { env: {} })))[0]).toMatch(/cannot load provider package "@nobody\/toolshim-provider-none"/);
  });

  it("finds a short name that is not built in as an installed package: @toolshim/provider-NAME, then toolshim-provider-NAME", async () => {
    expect(packagesForShortName("kimi")).toEqual(["@toolshim/provider-kimi", "toolshim-provider-kimi"]);
    expect(packagesForShortName("generic")).toEqual([]);
    for (const installedAs of ["@toolshim/provider-echo-short", "toolshim-provider-echo-short"]) {
      const path = configFile("echo-short");
      // Installed packages are imported by Node itself, so this one is plain ESM with no imports of its own.
      const folder = join(dirname(path), "node_modules", installedAs);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, "package.json"), JSON.stringify({ name: installedAs, type: "module", exports: { ".": "./provider.js" } }));
      writeFileSync(join(folder, "provider.js"), INSTALLED_ECHO_PROVIDER);
      const config = await loadConfigFile(path, { env: {} });
      expect(config.providers.mine?.use).toBe("echo-short");
      const upstream = createUpstreams(config, { logger }).get("mine")!;
      const events = [];
      for await (const event of upstream.stream({ model: "echo-1", messages: [{ role: "user", content: "hi" }], options: {} }, new AbortController().signal)) events.push(event);
      expect(events[0]).toEqual({ type: "text", text: "echo: hi" });
    }
  });

  it("names the packages it looked for when a short name is neither built in nor installed", async () => {
    expect((await problemsOf(loadConfigFile(configFile("nothere"), { env: {} })))[0]).toMatch(
      /unknown provider kind "nothere"; available: generic, demo, deepseek, an installed package \(@toolshim\/provider-nothere or toolshim-provider-nothere\), or a path/,
    );
  });

  it("tells a caller of the synchronous resolveConfig to load such configs with loadConfigFile", () => {
    expect(() => resolveConfig({ providers: { x: { use: "./p" } }, models: [] })).toThrow(/is a package or path; load the config with loadConfigFile/);
  });

  it("tells a built-in name's typo from a package name", () => {
    expect(["genric", "deep-seek", "demo"].map(isExternalProvider)).toEqual([false, false, false]);
    expect(["./p", "/abs/p", "@someone/x", "toolshim-provider-qwen"].map(isExternalProvider)).toEqual([true, true, true, true]);
  });
});

describe("built-in providers", () => {
  it("are each package's default export, under the name the map gives", async () => {
    for (const [name, pkg] of Object.entries(builtInProviderPackages)) {
      const module = (await import(pkg)) as { default: unknown };
      expect(providerKinds[name]).toBe(module.default);
      expect(providerKinds[name]?.name).toBe(name);
    }
  });
});
