import { startOpenAIDouble } from "@toolshim/provider-generic/double";
import { describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { resolveConfig } from "../config/load-config.js";
import { createLogger } from "../logging/create-logger.js";
import { createUpstreams } from "./create-upstreams.js";

describe("use: generic", () => {
  it("reports the upstream's health on /health: ok, degraded on a refused key, down when unreachable", async () => {
    const double = await startOpenAIDouble({ apiKey: "right-key" });
    const logger = createLogger({ level: "silent" });
    const healthOf = async (apiKey: string, baseURL = double.url) => {
      const config = resolveConfig({ providers: { local: { use: "generic", baseURL, apiKey } }, models: [{ id: "m", provider: "local" }] });
      const app = createApp(config, { logger, upstreams: createUpstreams(config, { logger }) });
      return (await (await app.request("/health")).json()) as { status: string; providers: Record<string, Record<string, unknown>> };
    };
    try {
      expect(await healthOf("right-key")).toMatchObject({ status: "ok", providers: { local: { status: "ok" } } });
      expect(await healthOf("wrong-key")).toMatchObject({ status: "degraded", providers: { local: { status: "degraded", upstreamStatus: 401 } } });
    } finally {
      await double.close();
    }
    const down = await healthOf("right-key");
    expect(down.providers.local).toMatchObject({ status: "down" });
    expect(String(down.providers.local!.error)).toContain("cannot reach");
    expect(JSON.stringify(down)).not.toContain("right-key");
  });
});
