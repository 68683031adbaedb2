import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import type { ToolshimConfig } from "./config/load-config.js";
import { closeUpstreams, createUpstreams } from "./providers/create-upstreams.js";
import type { ProviderKind } from "./providers/provider-kind.js";

export interface StartServerOptions {
  config: ToolshimConfig;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  kinds?: Readonly<Record<string, ProviderKind>>;
  /** How long `close()` lets running responses finish before cutting them. Default 5000 ms. */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8686`; an OpenAI client's base URL is this plus `/v1`. */
  url: string;
  /** Stops listening, lets running responses finish (up to the grace period), then closes the providers. */
  close(): Promise<void>;
}

/** Creates the providers and the app and listens on `config.server.host:port` (port 0 picks a free port). */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const upstreams = createUpstreams(config, { logger, fetch: options.fetch, kinds: options.kinds });
  const app = createApp(config, { logger, upstreams });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      const listening = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, () => resolve(listening));
      listening.once("error", reject);
    });
  } catch (error) {
    await closeUpstreams(upstreams, logger);
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= (async () => {
        const node = server as import("node:http").Server;
        const closed = new Promise<void>((resolve) => node.close(() => resolve()));
        node.closeIdleConnections?.();
        const grace = setTimeout(() => node.closeAllConnections?.(), options.shutdownGraceMs ?? 5_000);
        await closed;
        clearTimeout(grace);
        await closeUpstreams(upstreams, logger);
      })();
      return closing;
    },
  };
}
