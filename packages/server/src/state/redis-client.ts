import { ToolshimError } from "@toolshim/core";
import { Redis } from "ioredis";

export interface RedisConnectOptions {
  url: string;
  /** How long the first connection may take before startup fails. */
  connectTimeoutMs: number;
}

/** `redis://user:secret@host:6379/0` → `redis://host:6379/0`: the address without credentials, for logs and errors. */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable redis url)";
  }
}

/**
 * Connects to Redis (or Valkey) and waits for it to answer, so a server whose shared store is down refuses to start
 * with a message naming the address instead of failing its first requests. Afterwards commands fail at once while the
 * connection is lost (no offline queue: a request should get its 503 now, not hang), and ioredis reconnects by itself.
 */
export async function connectRedis(options: RedisConnectOptions): Promise<Redis> {
  const address = redisAddress(options.url);
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: options.connectTimeoutMs,
    // Back off to at most 1 s between attempts, forever: the gateway must recover when Redis returns.
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Without a listener ioredis prints every reconnect failure as an unhandled error event.
  client.on("error", () => {});
  try {
    await withTimeout(client.connect(), options.connectTimeoutMs);
    await client.ping();
  } catch (error) {
    client.disconnect();
    const reason = error instanceof Error ? error.message.replaceAll(options.url, address) : String(error);
    throw new Error(`state.kind is redis but Redis at ${address} cannot be reached (${reason}). Start Redis, fix state.url, or remove the state section to use the embedded store.`);
  }
  return client;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The 503 a request gets when it needs the shared store and Redis is not answering. */
export function sharedStateUnavailable(address: string, cause: unknown): ToolshimError {
  return new ToolshimError(
    `The shared state store (Redis at ${address}) is not reachable, and this request needs it (stored responses, account leases or rate limits). The gateway reconnects by itself; retry shortly.`,
    { status: 503, type: "server_error", code: "shared_state_unavailable", cause },
  );
}

/** Runs a Redis operation, turning a connection failure into `sharedStateUnavailable`. */
export async function guarded<T>(address: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof ToolshimError) throw error;
    throw sharedStateUnavailable(address, error);
  }
}
