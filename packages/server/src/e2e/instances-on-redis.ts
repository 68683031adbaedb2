import { redisServerBinary, startRedisServer, type TestRedis } from "../state/start-redis-server.js";
import { type RunningCli, startCli, writeConfig } from "./harness.js";

export { redisServerBinary };

/** The `state` section that points instances at the private Redis. */
export interface RedisStateSection {
  kind: "redis";
  url: string;
  keyPrefix: string;
  secret?: string;
}

/** Several real `toolshim serve` processes sharing one private redis-server. */
export interface InstancesOnRedis {
  redis: TestRedis;
  instances: RunningCli[];
  /** Stops every instance still running, then Redis for good. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server (or uses `options.redis`) and `count` gateway processes (default three) on one config:
 * `document(state)` gets the `state` section pointing at that Redis and returns the whole config. A failed start stops
 * what did start.
 */
export async function startInstancesOnRedis(
  document: (state: RedisStateSection) => Record<string, unknown>,
  options: { keyPrefix: string; secret?: string; count?: number; redis?: TestRedis },
): Promise<InstancesOnRedis> {
  const redis = options.redis ?? (await startRedisServer());
  const state: RedisStateSection = { kind: "redis", url: redis.url, keyPrefix: options.keyPrefix, ...(options.secret ? { secret: options.secret } : {}) };
  const config = await writeConfig(document(state));
  const started = await Promise.allSettled(Array.from({ length: options.count ?? 3 }, () => startCli({ config })));
  const instances = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const stop = async () => {
    await Promise.all(instances.map((instance) => instance.stop()));
    await redis.dispose();
  };
  const failed = started.find((result) => result.status === "rejected");
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { redis, instances, stop };
}
