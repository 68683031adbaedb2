import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, serve, type ServerType } from "@hono/node-server";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Logger } from "pino";
import { createApp } from "./app.js";
import { sendDirect } from "./http/sse-response.js";
import type { ToolshimConfig } from "./config/load-config.js";
import { closeUpstreams, createUpstreams } from "./providers/create-upstreams.js";
import type { ProviderKind } from "./providers/provider-kind.js";
import { openSharedState } from "./state/open-shared-state.js";
import { InFlightCalls } from "./upstream/in-flight-calls.js";

export interface StartServerOptions {
  config: ToolshimConfig;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  kinds?: Readonly<Record<string, ProviderKind>>;
  /**
   * How long `close()` lets running responses finish before ending them with `server_shutting_down` (a 503, or an
   * error event for a stream). Default: `server.shutdownGraceMs` (5000 ms).
   */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8686`; an OpenAI client's base URL is this plus `/v1`. */
  url: string;
  /**
   * Stops listening, refuses new requests with 503, lets running responses finish (up to the grace period), ends the
   * rest with `server_shutting_down`, then closes the providers.
   */
  close(): Promise<void>;
}

/** Creates the providers and the app and listens on `config.server.host:port` (port 0 picks a free port). */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = options;
  const shared = await openSharedState(config, logger);
  const upstreams = createUpstreams(config, { logger, fetch: options.fetch, kinds: options.kinds, state: shared.providerState });
  const inFlight = new InFlightCalls();
  const app = createApp(config, { logger, upstreams, inFlight, responseStore: shared.responseStore, state: shared.providerState, stateHealth: shared.health, sharedTraces: shared.traces });

  let server: ServerType;
  try {
    server = await new Promise<ServerType>((resolve, reject) => {
      // Streams go straight to Node's response (see sseResponse); everything else through the adapter.
      const fetch = async (request: Request, env: HttpBindings | Http2Bindings): Promise<Response> => {
        const response = await app.fetch(request, env);
        return sendDirect(response, env.outgoing) ? RESPONSE_ALREADY_SENT : response;
      };
      const listening = serve({ fetch, hostname: config.server.host, port: config.server.port }, () => resolve(listening));
      listening.once("error", reject);
    });
  } catch (error) {
    await closeUpstreams(upstreams, logger);
    await shared.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      const graceMs = options.shutdownGraceMs ?? config.server.shutdownGraceMs ?? 5_000;
      closing ??= shutDown(server as import("node:http").Server, inFlight, graceMs, logger)
        .then(() => closeUpstreams(upstreams, logger))
        .then(() => shared.close());
      return closing;
    },
  };
}

/** After the grace period, how long the error events and 503s of ended requests get to reach their clients. */
const FLUSH_MS = 1_000;
/** How often idle keep-alive connections are closed while running responses finish. */
const IDLE_SWEEP_MS = 100;

/**
 * Stops accepting connections and refuses new requests on open ones (503), lets running responses finish for up to
 * `graceMs`, then ends the upstream calls still running with `server_shutting_down` (a 503, or an error event that
 * ends a stream, in each API's shape), gives those a moment to reach their clients, and cuts what is left.
 */
async function shutDown(node: import("node:http").Server, inFlight: InFlightCalls, graceMs: number, logger: Logger): Promise<void> {
  inFlight.drain();
  const closed = new Promise<void>((resolve) => node.close(() => resolve()));
  node.closeIdleConnections();
  // A connection whose response has finished goes idle: close it too, so `closed` resolves once nothing is running.
  const sweep = setInterval(() => node.closeIdleConnections(), IDLE_SWEEP_MS);
  try {
    if (await within(closed, graceMs)) return;
    const ended = inFlight.endAll();
    logger.warn({ requests: ended, graceMs }, "shutdown: ended the requests still running after the grace period (server_shutting_down)");
    if (await within(closed, FLUSH_MS)) return;
    node.closeAllConnections();
    await closed;
  } finally {
    clearInterval(sweep);
  }
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
