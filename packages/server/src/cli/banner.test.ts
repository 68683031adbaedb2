import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load-config.js";
import { bannerLines, printBanner } from "./banner.js";

const config = (apiKeys: string[] = []) =>
  resolveConfig({
    server: { apiKeys },
    providers: { local: { use: "generic", baseURL: "http://127.0.0.1:9/v1" }, demo: { use: "demo" } },
    models: [
      { id: "qwen", provider: "local", upstreamModel: "qwen2.5:7b" },
      { id: "toolshim-demo", provider: "demo" },
    ],
  });

describe("the start banner", () => {
  it("starts with the stable listening line, then versions, config, models and whether a key is needed", () => {
    const lines = bannerLines({ url: "http://127.0.0.1:8686", config: config(), configPath: "toolshim.yaml", version: "1.2.3" });
    expect(lines).toEqual([
      "toolshim listening on http://127.0.0.1:8686 (OpenAI base URL: http://127.0.0.1:8686/v1; models: qwen, toolshim-demo)",
      `  version:   toolshim 1.2.3 on Node.js ${process.versions.node}`,
      "  config:    toolshim.yaml",
      "  model:     qwen → provider local (upstream model qwen2.5:7b)",
      "  model:     toolshim-demo → provider demo",
      "  auth:      off (any client that can reach this address may use it; set server.apiKeys or TOOLSHIM_API_KEYS)",
    ]);
    const withKeys = bannerLines({ url: "http://h", config: config(["k-1"]), configPath: undefined, version: "1" });
    expect(withKeys.find((line) => line.includes("auth:"))).toBe("  auth:      on (1 key; clients send Authorization: Bearer <key> or x-api-key)");
    expect(withKeys.join("\n")).not.toContain("k-1");
  });

  it("adds each provider's reachability from /health, asking with a key when auth is on", async () => {
    const written: string[] = [];
    let sent: Headers | undefined;
    const fetchImpl = (async (_url: string, init?: RequestInit) => {
      sent = new Headers(init?.headers);
      return Response.json({ providers: { local: { status: "down", error: "connection refused" }, demo: { status: "ok" } } });
    }) as unknown as typeof fetch;
    await printBanner({ url: "http://h", config: config(["k-1"]), configPath: undefined, version: "1", write: (line) => written.push(line), fetch: fetchImpl });
    expect(written.slice(-2)).toEqual(["  provider:  local down (connection refused)", "  provider:  demo reachable"]);
    expect(sent?.get("authorization")).toBe("Bearer k-1");
  });

  it("says when reachability could not be checked instead of failing the start", async () => {
    const written: string[] = [];
    const failing = (async () => {
      throw new Error("fetch failed");
    }) as unknown as typeof fetch;
    await printBanner({ url: "http://h", config: config(), configPath: undefined, version: "1", write: (line) => written.push(line), fetch: failing });
    expect(written.at(-1)).toBe("  provider:  reachability not checked (fetch failed)");
  });
});
