import { Writable } from "node:stream";
import { createReplayUpstream, type ReplayResponse, type ReplayUpstream } from "@toolshim/core/testing";
import { type AppDeps, createApp } from "../../app.js";
import { resolveConfig } from "../../config/load-config.js";
import { createLogger } from "../../logging/create-logger.js";

export interface RouteHarness {
  app: ReturnType<typeof createApp>;
  upstream: ReplayUpstream;
  logs: Record<string, any>[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

/** The real app over a replay upstream, with responses kept in memory, driven through `app.request`. */
export function routeHarness(
  options: {
    responses?: ReplayResponse | ReplayResponse[];
    server?: Record<string, unknown>;
    storage?: Record<string, unknown>;
    config?: Record<string, unknown>;
    /** Extra app dependencies (e.g. a shared trace store). */
    deps?: Pick<AppDeps, "sharedTraces">;
  } = {},
): RouteHarness {
  const config = resolveConfig({
    server: { keepAliveMs: 0, ...options.server },
    providers: { replay: { use: "demo" } },
    models: [{ id: "model-a", provider: "replay", upstreamModel: "replay" }],
    storage: { kind: "memory", ...options.storage },
    ...options.config,
  });
  const logs: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: "info", destination, secrets: config.server.apiKeys });
  const upstream = createReplayUpstream({ responses: options.responses ?? { text: "Hello there.", usage: { inputTokens: 3, outputTokens: 2 } } });
  const app = createApp(config, { logger, upstreams: new Map([["replay", upstream]]), ...options.deps });
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
    app.request(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { app, upstream, logs, post };
}

/** The `event:` names and JSON payloads of an SSE body, checking every event is named after its `type`. */
export async function readNamedEvents(response: Response): Promise<{ event: string; data: any }[]> {
  const text = await response.text();
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !block.startsWith(":"))
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!event || !data) throw new Error(`malformed SSE block: ${block}`);
      const parsed = JSON.parse(data);
      if (parsed.type !== event) throw new Error(`event ${event} carries type ${parsed.type}`);
      return { event, data: parsed };
    });
}
