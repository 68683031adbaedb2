import { ToolshimError, toToolshimError } from "@toolshim/core";
import { createMemoryState, type ProviderState } from "@toolshim/core/provider-utils";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Logger } from "pino";
import type { ToolshimConfig } from "./config/load-config.js";
import { authenticate } from "./http/authenticate.js";
import { cors } from "./http/cors.js";
import { rateLimits } from "./http/rate-limits.js";
import { renderOpenAIError } from "./http/error-response.js";
import { requestContext } from "./http/request-context.js";
import type { ServerEnv } from "./http/server-env.js";
import type { ServerUpstream } from "./providers/provider-kind.js";
import { registerConsole } from "./console/console-routes.js";
import { traceCapture } from "./console/trace-capture.js";
import { openConsoleTraces, type SharedTraceSource } from "./console/shared-traces.js";
import { registerChatCompletions } from "./routes/chat-completions.js";
import { registerHealth } from "./routes/health.js";
import { registerMessages } from "./routes/messages.js";
import { registerModels } from "./routes/models.js";
import { registerResponses } from "./routes/responses.js";
import { createServerContext, type ServerContext } from "./server-context.js";
import type { ResponseStore } from "./storage/response-store.js";
import { notAcceptingError, type InFlightCalls } from "./upstream/in-flight-calls.js";

export interface AppDeps {
  logger: Logger;
  /** The providers by config name (see createUpstreams). */
  upstreams: ReadonlyMap<string, ServerUpstream>;
  /** Shutdown state shared with whoever stops the server (startServer); default: a fresh one. */
  inFlight?: InFlightCalls;
  /** Where Responses are kept when not per `storage` (the shared Redis store); default: opened from `storage`. */
  responseStore?: ResponseStore;
  /** Where per-key rate limits are counted (the shared Redis state); default: this process's memory. */
  state?: ProviderState;
  /** Where the console shares finished traces with the other instances (Redis); absent when embedded or console off. */
  sharedTraces?: SharedTraceSource;
  /** The shared state's reachability for /health (Redis); absent when embedded. */
  stateHealth?: () => { status: string; [detail: string]: unknown };
}

/** The whole HTTP surface of toolshim as a hono app, without listening: tests call `app.request` or serve it. */
export function createApp(config: ToolshimConfig, deps: AppDeps): Hono<ServerEnv> {
  const server = createServerContext(config, deps.logger, deps.upstreams, deps.inFlight);
  const app = new Hono<ServerEnv>();
  // The web console (/console) exists only when configured; when off, no request does any tracing work.
  const consoleConfig = config.console?.enabled ? config.console : undefined;
  const consoleTraces = consoleConfig ? openConsoleTraces(consoleConfig, server.redact, deps.sharedTraces, deps.logger) : undefined;
  const traces = consoleTraces?.store;

  app.use(requestContext(deps.logger, server.redact));
  app.use(async (c, next) => {
    if (server.inFlight.draining && c.req.path !== "/health") throw notAcceptingError();
    await next();
  });
  app.use(cors(config.server.cors.origins ?? (config.server.apiKeys.length ? ["*"] : [])));
  if (config.server.apiKeys.length) {
    const auth = authenticate(config.server.apiKeys);
    // The console has its own admin key and session (see console/console-routes.ts).
    const open = (path: string) => path === "/health" || (traces !== undefined && (path === "/console" || path.startsWith("/console/")));
    app.use((c, next) => (open(c.req.path) ? next() : auth(c, next)));
    const namedKeys = config.server.keys ?? [];
    if (namedKeys.length) {
      const limits = rateLimits(namedKeys, deps.state ?? createMemoryState(), deps.logger);
      app.use((c, next) => (open(c.req.path) ? next() : limits(c, next)));
    }
  }
  app.use(
    bodyLimit({
      maxSize: config.server.bodyLimit,
      onError: () => {
        throw new ToolshimError(
          `The request body is larger than this server accepts (${config.server.bodyLimit} bytes, server.bodyLimit).`,
          { status: 413, type: "invalid_request_error", code: "request_too_large" },
        );
      },
    }),
  );

  if (traces && consoleConfig?.adminKey) {
    app.use(traceCapture(traces));
    registerConsole(app, server, traces, consoleConfig.adminKey, consoleTraces?.directory);
  }

  // OpenAI-style routes, under /v1 and, for clients given a base URL without it, at the root.
  const api = new Hono<ServerEnv>();
  registerChatCompletions(api, server);
  registerModels(api, server);
  registerResponses(api, server, deps.responseStore);
  registerMessages(api, server);
  app.route("/v1", api);
  app.route("/", api);
  registerHealth(app, server, deps.stateHealth);

  app.notFound((c) => {
    throw new ToolshimError(`Invalid URL (${c.req.method} ${c.req.path}): this toolshim server has no such route.`, {
      status: 404,
      type: "invalid_request_error",
      code: "unknown_url",
    });
  });
  app.onError((error, c) => renderError(server, c, error));
  return app;
}

function renderError(server: ServerContext, c: Context<ServerEnv>, thrown: unknown): Response {
  const error =
    thrown instanceof HTTPException && !(thrown instanceof ToolshimError)
      ? new ToolshimError(thrown.message || "Bad request.", { status: thrown.status })
      : toToolshimError(thrown);
  // No configured secret reaches a client, whatever text an error quotes.
  const message = server.redact(error.message);
  if (message !== error.message) Object.defineProperty(error, "message", { value: message, configurable: true, writable: true });
  c.get("requestLog")?.set({
    error: error.message,
    errorCode: error.code ?? undefined,
    // Unexpected failures carry their stack into the log; deliberate ones are described by their message.
    err: thrown instanceof ToolshimError ? undefined : thrown,
  });
  const renderer = server.errorRenderers.find((entry) => c.req.path.startsWith(entry.prefix))?.render ?? renderOpenAIError;
  return renderer(error, c.get("requestId") ?? "");
}
