import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResponseObject } from "@toolshim/core";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectRedis } from "../state/redis-client.js";
import { redisServerBinary, startRedisServer, type TestRedis } from "../state/start-redis-server.js";
import { createMemoryResponseStore } from "./memory-response-store.js";
import { conversationItems, type ResponseStore, type RetentionLimits, type StoredResponse } from "./response-store.js";
import { createRedisResponseStore } from "./redis-response-store.js";
import { createSqliteResponseStore } from "./sqlite-response-store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "toolshim-store-"));
  dirs.push(dir);
  return dir;
}

function record(id: string, previous: string | null = null, text = `answer of ${id}`): StoredResponse {
  const response = {
    id,
    object: "response",
    created_at: 1,
    completed_at: 2,
    status: "completed",
    error: null,
    incomplete_details: null,
    previous_response_id: previous,
    output: [{ id: `msg_${id}`, type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] }],
    usage: null,
  } as unknown as ResponseObject;
  return { response, input: [{ type: "message", role: "user", content: [{ type: "input_text", text: `question of ${id}` }] }] };
}

const generous: RetentionLimits = { maxAgeMs: 60_000, maxResponses: 100, maxBytes: 1_000_000 };

const kinds: Record<string, (limits: RetentionLimits, now: () => number) => ResponseStore> = {
  memory: (limits, now) => createMemoryResponseStore(limits, now),
  sqlite: (limits, now) => createSqliteResponseStore(tempDir(), limits, now),
};

// The same suite against a real redis-server (skipped where none is installed; .ci/run installs one and requires it).
if (redisServerBinary()) {
  let redis: TestRedis;
  let client: Redis;
  let stores = 0;
  beforeAll(async () => {
    redis = await startRedisServer();
    client = await connectRedis({ url: redis.url, connectTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.dispose();
  });
  // A fresh key prefix per store keeps the tests apart on one server.
  kinds.redis = (limits, now) => createRedisResponseStore(client, `test${++stores}`, limits, "test redis", now);
}

describe.each(Object.entries(kinds))("%s response store", (_kind, open) => {
  it("stores, reads, resolves items, chains and deletes", async () => {
    const store = open(generous, Date.now);
    await store.put(record("resp_1"));
    await store.put(record("resp_2", "resp_1"));
    expect(await store.get("resp_1")).toEqual(record("resp_1"));
    expect(await store.getItem("msg_resp_2")).toEqual(record("resp_2").response.output[0]);
    expect(await store.getItem("msg_nope")).toBeUndefined();

    const chain = await store.chain("resp_2");
    expect(chain?.map((r) => r.response.id)).toEqual(["resp_1", "resp_2"]);
    expect(conversationItems(chain!).map((item) => (item.type === "message" ? item.role : item.type))).toEqual(["user", "assistant", "user", "assistant"]);

    expect(await store.delete("resp_1")).toBe(true);
    expect(await store.delete("resp_1")).toBe(false);
    expect(await store.get("resp_1")).toBeUndefined();
    expect(await store.getItem("msg_resp_1")).toBeUndefined();
    // A conversation with a hole is refused rather than silently shortened.
    expect(await store.chain("resp_2")).toBeUndefined();
    await store.close();
  });

  it("forgets responses older than the maximum age", async () => {
    let clock = 1_000_000;
    const store = open({ ...generous, maxAgeMs: 1_000 }, () => clock);
    await store.put(record("resp_old"));
    clock += 600;
    await store.put(record("resp_new"));
    clock += 600;
    expect(await store.get("resp_old")).toBeUndefined();
    expect(await store.getItem("msg_resp_old")).toBeUndefined();
    expect(await store.get("resp_new")).toBeDefined();
    await store.close();
  });

  it("evicts the oldest beyond the count and byte bounds", async () => {
    let clock = 0;
    const byCount = open({ ...generous, maxResponses: 2 }, () => ++clock);
    for (const id of ["resp_a", "resp_b", "resp_c"]) await byCount.put(record(id));
    expect(await byCount.get("resp_a")).toBeUndefined();
    expect(await byCount.get("resp_b")).toBeDefined();
    expect(await byCount.get("resp_c")).toBeDefined();
    await byCount.close();

    const size = JSON.stringify(record("resp_x", null, "x".repeat(1000))).length;
    const byBytes = open({ ...generous, maxBytes: Math.floor(size * 2.5) }, () => ++clock);
    for (const id of ["resp_x", "resp_y", "resp_z"]) await byBytes.put(record(id, null, "x".repeat(1000)));
    expect(await byBytes.get("resp_x")).toBeUndefined();
    expect(await byBytes.get("resp_z")).toBeDefined();
    await byBytes.close();
  });

  it("keeps the first owner of an item id a later input repeats", async () => {
    const store = open(generous, Date.now);
    await store.put(record("resp_1"));
    const repeat = record("resp_2");
    repeat.input.push({ ...record("resp_1").response.output[0]!, content: [{ type: "output_text", text: "forged", annotations: [], logprobs: [] }] } as (typeof repeat.input)[number]);
    await store.put(repeat);
    expect(JSON.stringify(await store.getItem("msg_resp_1"))).toContain("answer of resp_1");
    await store.close();
  });
});

describe("sqlite response store", () => {
  it("survives a restart", async () => {
    const dir = tempDir();
    const first = createSqliteResponseStore(dir, generous);
    await first.put(record("resp_1"));
    await first.put(record("resp_2", "resp_1"));
    await first.close();

    const reopened = createSqliteResponseStore(dir, generous);
    expect(await reopened.get("resp_2")).toEqual(record("resp_2", "resp_1"));
    expect((await reopened.chain("resp_2"))?.length).toBe(2);
    expect(await reopened.getItem("msg_resp_1")).toEqual(record("resp_1").response.output[0]);
    await reopened.close();
  });
});
