import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load-config.js";
import { collectSecrets } from "./collect-secrets.js";
import { createLogger } from "./create-logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("never writes credentials: headers by key, configured secrets wherever they appear", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination, secrets: ["sk-server-key-123", "upstream-token-456"] });
    logger.info({ req: { headers: { authorization: "Bearer anything", "x-api-key": "other", cookie: "c=1" } } }, "incoming");
    logger.info({ headers: { authorization: "Bearer x" }, provider: { apiKey: "zzz", password: "pw" } }, "provider");
    logger.warn({ upstreamBody: "invalid key upstream-token-456 for account" }, "upstream said sk-server-key-123 is bad");
    logger.error({ err: new Error("login failed with upstream-token-456") }, "failure");
    const child = logger.child({ provider: "x" });
    child.info({ detail: ["nested", { deeper: "sk-server-key-123!" }] }, "child");

    const text = lines.join("\n");
    for (const secret of ["sk-server-key-123", "upstream-token-456", "Bearer anything", "Bearer x", '"zzz"', '"pw"', "c=1"]) {
      expect(text).not.toContain(secret);
    }
    expect(lines).toHaveLength(5);
    const [incoming, provider, warned, failed, nested] = lines.map((line) => JSON.parse(line));
    expect(incoming.req.headers).toEqual({ authorization: "[redacted]", "x-api-key": "[redacted]", cookie: "[redacted]" });
    expect(provider.provider).toEqual({ apiKey: "[redacted]", password: "[redacted]" });
    expect(warned.msg).toBe("upstream said [redacted] is bad");
    expect(warned.upstreamBody).toBe("invalid key [redacted] for account");
    expect(failed.err.message).toBe("login failed with [redacted]");
    expect(failed.err.stack).toContain("login failed with [redacted]");
    expect(nested.detail[1].deeper).toBe("[redacted]!");
  });

  it("redacts credentials by key at any depth and in any case, with no secrets configured too", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: "info", destination });
    logger.info({ a: { b: { c: { headers: { Authorization: "Bearer deep", "X-Api-Key": "k1" } } } }, list: [{ token: "t1" }], apiKey: "k2" }, "deep");
    const error = Object.assign(new Error("boom"), { headers: { cookie: "c=2" } });
    logger.error({ err: error }, "with an error");
    logger.child({ password: "child-pw" }).info({ ok: true }, "child");
    const text = lines.join("\n");
    for (const secret of ["Bearer deep", "k1", "t1", "k2", "c=2", "child-pw"]) expect(text).not.toContain(secret);
    const [deep, failed, child] = lines.map((line) => JSON.parse(line));
    expect(deep.a.b.c.headers).toEqual({ Authorization: "[redacted]", "X-Api-Key": "[redacted]" });
    expect(deep.list).toEqual([{ token: "[redacted]" }]);
    expect(failed.err).toMatchObject({ type: "Error", message: "boom", headers: { cookie: "[redacted]" } });
    expect(child).toMatchObject({ password: "[redacted]", ok: true });
  });

  it("collects API keys and provider credentials from a config, at any depth", () => {
    const config = resolveConfig({
      server: { apiKeys: ["client-key-1"] },
      providers: { local: { use: "generic", baseURL: "http://127.0.0.1:1/v1", apiKey: "upstream-key", headers: { "x-proxy-token": "proxy-secret", "x-title": "toolshim" } } },
      models: [{ id: "m", provider: "local" }],
    });
    expect(collectSecrets(config).sort()).toEqual(["client-key-1", "proxy-secret", "upstream-key"]);
  });
});
