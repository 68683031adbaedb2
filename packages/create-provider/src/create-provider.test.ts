import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { defaultDialect } from "@toolshim/core";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, startCli, writeConfig } from "../../server/src/e2e/harness.js";
import { createProvider } from "./create-provider.js";

// The scaffold's promise, checked end to end: a provider generated into a fresh folder outside the repository builds,
// type-checks and passes the shared contract suite with no file changed anywhere else, and the real server, given
// the folder's path in its config, serves a tool call through it. The folder is deleted afterwards.

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "toolshim-scaffold-"));
const dir = join(root, "toolshim-provider-acme-web");
let files: string[] = [];

/** The real folder of a package resolved from `from` (pnpm's store layout keeps each package's own dependencies beside it). */
function packageDir(name: string, from: string): string {
  return realpathSync(join(from, "node_modules", name));
}

/** What `pnpm install` gives the contributor: node_modules beside the package, here links to this workspace's copies. */
function linkDependencies(): void {
  const links: Record<string, string> = {
    "@toolshim/core": join(repo, "packages/core"),
    zod: packageDir("zod", join(repo, "packages/create-provider")),
    vitest: packageDir("vitest", repo),
    tsup: packageDir("tsup", repo),
    typescript: packageDir("typescript", repo),
  };
  for (const [name, target] of Object.entries(links)) {
    const link = join(root, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
}

/** Runs a dependency's command-line entry in the generated folder, as its package.json scripts would. */
function run(pkg: string, bin: string, args: string[]): string {
  const manifest = JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as { bin: string | Record<string, string> };
  const entry = typeof manifest.bin === "string" ? manifest.bin : (manifest.bin[bin] ?? bin);
  return execFileSync(process.execPath, [join(root, "node_modules", pkg, entry), ...args], { cwd: dir, encoding: "utf8", stdio: "pipe", env: { ...process.env, NO_COLOR: "1", VITEST: undefined, VITEST_MODE: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined, NODE_OPTIONS: undefined } });
}

beforeAll(() => {
  files = createProvider({ name: "acme-web", dir });
  linkDependencies();
}, 120_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("pnpm create-provider", () => {
  it("writes only inside the new folder, and refuses a bad name or a folder in use", () => {
    expect(files.map((file) => relative(dir, file)).sort()).toEqual(
      [".gitignore", "README.md", "package.json", "src/double.ts", "src/index.ts", "src/provider.test.ts", "tsconfig.json", "tsup.config.ts"].sort(),
    );
    expect(readFileSync(join(dir, "src/index.ts"), "utf8")).not.toMatch(/__[A-Z_]+__/);
    expect(() => createProvider({ name: "Acme Web", dir: join(root, "other") })).toThrow(/not a provider name/);
    expect(() => createProvider({ name: "acme", dir })).toThrow(/not empty/);
  });

  it("generates a package that type-checks, builds and passes the contract suite untouched", () => {
    run("typescript", "tsc", ["--noEmit", "-p", "tsconfig.json"]);
    run("tsup", "tsup", []);
    const output = run("vitest", "vitest", ["run", "--reporter=verbose"]);
    expect(output).toMatch(/provider contract: acme-web/);
    expect(output).toMatch(/Tests\s+1[0-9] passed/);
    expect(output).not.toMatch(/failed|skipped/);
  }, 240_000);

  describe("referenced by path in a config, through the real server", () => {
    let chat: Server;
    let server: RunningCli;
    const token = "acme-secret-token-42";

    beforeAll(async () => {
      const { createWebChatDouble } = (await import(pathToFileURL(join(dir, "dist/double.js")).href)) as typeof import("./template-types.js");
      const double = createWebChatDouble();
      // The model "decides" to call get_weather, in the markup the prompt's instructions asked for.
      const answer = (prompt: string) => {
        const nonce = /<call:([A-Za-z0-9]+)>/.exec(prompt)?.[1] ?? "";
        const context = { tools: [], toolChoice: { type: "auto" as const }, parallelToolCalls: true, nonce };
        return `Checking.\n${defaultDialect.renderCall({ id: "", name: "get_weather", arguments: '{"city":"Paris"}' }, context)}`;
      };
      for (let i = 0; i < 4; i++) double.script((request) => ({ kind: "text", chunks: [...answer(request.prompt)] }));
      chat = createServer(async (req, res) => {
        const body = await new Response(Readable.toWeb(req) as ReadableStream).text();
        const response = await double.fetch(`http://double${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: req.method === "POST" ? body : undefined });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        if (response.body) for await (const piece of response.body) res.write(piece);
        res.end();
      });
      await new Promise<void>((resolve) => chat.listen(0, "127.0.0.1", resolve));
      const config = await writeConfig({
        server: { port: 0 },
        providers: { acme: { use: dir, baseURL: `http://127.0.0.1:${(chat.address() as AddressInfo).port}/api`, token } },
        models: [{ id: "acme-web-chat", provider: "acme" }],
      });
      server = await startCli({ config });
    }, 60_000);

    afterAll(async () => {
      await server?.stop();
      await new Promise((resolve) => chat?.close(resolve));
    });

    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];

    it("answers with a real tool call, streamed and not, and keeps the token out of the logs", async () => {
      const client = new OpenAI({ baseURL: server.baseURL, apiKey: "unused" });
      const messages = [{ role: "user" as const, content: "Weather in Paris?" }];
      const whole = await client.chat.completions.create({ model: "acme-web-chat", messages, tools });
      expect(whole.choices[0]?.finish_reason).toBe("tool_calls");
      expect(whole.choices[0]?.message.tool_calls?.[0]).toMatchObject({ type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } });

      const stream = await client.chat.completions.create({ model: "acme-web-chat", messages, tools, stream: true });
      let args = "";
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        for (const call of chunk.choices[0]?.delta.tool_calls ?? []) args += call.function?.arguments ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(JSON.parse(args)).toEqual({ city: "Paris" });
      expect(finish).toBe("tool_calls");
      expect(JSON.stringify(server.logs())).not.toContain(token);
    });
  });
});
