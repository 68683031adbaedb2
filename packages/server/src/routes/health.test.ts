import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startOpenAIDouble, type OpenAIDouble } from "@toolshim/provider-generic/double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { resolveConfig } from "../config/load-config.js";
import { createLogger } from "../logging/create-logger.js";
import { createUpstreams } from "../providers/create-upstreams.js";
import { InFlightCalls } from "../upstream/in-flight-calls.js";

/** An upstream that accepts every connection and never answers (its /v1/models hangs). */
let hanging: Server;
let hangingURL: string;
let double: OpenAIDouble;

beforeAll(async () => {
  hanging = createServer(() => {});
  await new Promise<void>((resolve) => hanging.listen(0, "127.0.0.1", resolve));
  hangingURL = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`;
  double = await startOpenAIDouble({ apiKey: "upstream-key-1" });
});
afterAll(async () => {
  hanging.closeAllConnections();
  await new Promise((resolve) => hanging.close(resolve));
  await double.close();
});

function gateway(server: Record<string, unknown> = {}) {
  const config = resolveConfig({
    server,
    providers: {
      stuck: { use: "generic", baseURL: hangingURL },
      fine: { use: "generic", baseURL: double.url, apiKey: "upstream-key-1" },
    },
    models: [
      { id: "a", provider: "stuck" },
      { id: "b", provider: "fine" },
    ],
  });
  const logger = createLogger({ level: "silent" });
  const inFlight = new InFlightCalls();
  const app = createApp(config, { logger, upstreams: createUpstreams(config, { logger }), inFlight });
  return { app, inFlight };
}

async function timed(response: Response | Promise<Response>) {
  const started = performance.now();
  const answer = await response;
  return { answer, ms: performance.now() - started, body: (await answer.json()) as any };
}

describe("GET /health", () => {
  it("answers within 1 s while an upstream hangs, from probes that go on in the background", async () => {
    const { app } = gateway();
    const first = await timed(app.request("/health"));
    expect(first.ms).toBeLessThan(1000);
    expect(first.answer.status).toBe(200);
    expect(first.body.providers.stuck).toEqual({ status: "unknown", note: "first check still running" });
    // The healthy upstream's probe may take longer than the wait on a loaded machine; it lands in the cache anyway.
    await expect.poll(async () => (await timed(app.request("/health"))).body.providers.fine).toMatchObject({ status: "ok", ageMs: expect.any(Number) });

    // The hanging probe is still running: the next request does not wait for it either.
    const second = await timed(app.request("/health"));
    expect(second.ms).toBeLessThan(1000);
    expect(second.body.providers.stuck.status).toBe("unknown");
  });

  it("says only ok/degraded without a key when keys are configured; details with a valid key, never credentials", async () => {
    const { app } = gateway({ apiKeys: ["client-key-9"] });
    const anonymous = await timed(app.request("/health"));
    expect(anonymous.answer.status).toBe(200);
    expect(anonymous.body).toEqual({ status: "ok" });
    const wrong = await timed(app.request("/health", { headers: { authorization: "Bearer nope" } }));
    expect(wrong.body).toEqual({ status: "ok" });

    const detailed = async () => (await timed(app.request("/health", { headers: { authorization: "Bearer client-key-9" } }))).body;
    await expect.poll(detailed).toMatchObject({ status: "ok", uptimeSeconds: expect.any(Number), providers: { fine: { status: "ok" } } });
    const text = JSON.stringify(await detailed());
    expect(text).not.toContain("client-key-9");
    expect(text).not.toContain("upstream-key-1");
  });

  it("answers 503 shutting_down once the server is stopping", async () => {
    const { app, inFlight } = gateway();
    inFlight.drain();
    const response = await app.request("/health");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "shutting_down" });
    const api = await app.request("/v1/models");
    expect(api.status).toBe(503);
    expect(((await api.json()) as any).error).toMatchObject({ code: "server_shutting_down" });
  });
});
