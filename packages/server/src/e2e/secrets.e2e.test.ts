import { startDeepSeekDouble, type DeepSeekDouble } from "@toolshim/provider-deepseek/double";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoUpstream, type EchoUpstream } from "./__fixtures__/echo-upstream.js";
import { startCli, writeConfig, type RunningCli } from "./harness.js";

// Ten distinct secrets of every kind the config holds, five of them 1 to 5 characters long. They reach the server
// through environment variables, travel to the upstreams, come back quoted in upstream errors, and are sent by
// clients; then every byte the run produced is searched for them.
const SECRETS = {
  CLIENT_KEY: "sk-client-0123456789abcdef",
  CLIENT_KEY_SHORT: "Ck9",
  KEY_1: "Q",
  KEY_2: "Zk",
  KEY_4: "p4ss",
  KEY_5: "t0k3n",
  HEADER_VALUE: "hdr-secret-value-77",
  PROXY_TOKEN: "px-7f3a9",
  DS_TOKEN: "ds-token-secret-0001",
  DS_PASSWORD: "ds-password-xyz-42",
};

let echo: EchoUpstream;
let deepseek: DeepSeekDouble;
let server: RunningCli;
/** Every response status line, header and body the clients received, as text. */
const seen: string[] = [];

beforeAll(async () => {
  echo = await startEchoUpstream();
  deepseek = await startDeepSeekDouble({ tokens: [SECRETS.DS_TOKEN], accounts: [{ email: "real@example.com", password: SECRETS.DS_PASSWORD }], powDifficulty: 500 });
  const generic = (apiKey: string, headers?: Record<string, string>) => ({ use: "generic", baseURL: echo.url, tools: "emulate", apiKey, ...(headers ? { headers } : {}) });
  const config = await writeConfig({
    server: { apiKeys: ["${CLIENT_KEY}", "${CLIENT_KEY_SHORT}"], keepAliveMs: 0 },
    providers: {
      one: generic("${KEY_1}", { "x-upstream-auth": "${HEADER_VALUE}" }),
      two: generic("${KEY_2}", { "x-proxy-token": "${PROXY_TOKEN}" }),
      four: generic("${KEY_4}"),
      five: generic("${KEY_5}"),
      ds: { use: "deepseek", baseUrl: deepseek.url, accounts: [{ token: "${DS_TOKEN}" }, { email: "real@example.com", password: "${DS_PASSWORD}" }] },
      "ds-wrong": { use: "deepseek", baseUrl: deepseek.url, accounts: [{ email: "nobody@example.com", password: "${DS_PASSWORD}" }] },
    },
    models: [
      { id: "m1", provider: "one", upstreamModel: "echo" },
      { id: "m2", provider: "two", upstreamModel: "echo" },
      { id: "m4", provider: "four", upstreamModel: "echo" },
      { id: "m5", provider: "five", upstreamModel: "echo" },
      { id: "deepseek-chat", provider: "ds" },
      { id: "ds-wrong", provider: "ds-wrong", upstreamModel: "deepseek-chat" },
    ],
    logging: { level: "trace" },
  });
  server = await startCli({ config, env: SECRETS });
});
afterAll(async () => {
  await server?.stop();
  await echo?.close();
  await deepseek?.close();
});

async function call(path: string, init: { method?: string; key?: string | null; xApiKey?: string; requestId?: string; body?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.requestId) headers["x-request-id"] = init.requestId;
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? SECRETS.CLIENT_KEY}`;
  if (init.xApiKey) {
    delete headers.authorization;
    headers["x-api-key"] = init.xApiKey;
  }
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  seen.push(`${response.status} ${JSON.stringify([...response.headers])}\n${text}`);
  return new Response(text, { status: response.status, headers: response.headers });
}

const chat = (model: string, content: string, stream = false) => ({ model, stream, messages: [{ role: "user", content }] });

/** Where a secret occurs in `text`: anywhere for 8 characters or more, standing alone (not inside a word) when shorter. */
function occurrences(text: string, secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)];
  const found: string[] = [];
  for (const form of forms) {
    const escaped = form.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    const pattern = form.length >= 8 ? new RegExp(escaped, "g") : new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, "gu");
    for (const match of text.matchAll(pattern)) found.push(text.slice(Math.max(0, match.index - 60), match.index + form.length + 60));
  }
  return found;
}

describe("secrets never leave the server", () => {
  it("not in any response body or header, /health, or log line, through success and failure paths", async () => {
    // Clients: right keys (both headers), a wrong one, none, a secret as the model name.
    expect((await call("/v1/models")).status).toBe(200);
    expect((await call("/v1/models", { xApiKey: SECRETS.CLIENT_KEY_SHORT })).status).toBe(200);
    expect((await call("/v1/models", { key: "wrong-key" })).status).toBe(401);
    expect((await call("/v1/models", { key: null })).status).toBe(401);
    expect((await call("/v1/chat/completions", { body: chat(SECRETS.CLIENT_KEY, "hi") })).status).toBe(404);
    expect((await call("/v1/chat/completions", { body: chat(SECRETS.CLIENT_KEY_SHORT, "hi") })).status).toBe(404);
    expect((await call("/v1/models", { requestId: SECRETS.CLIENT_KEY })).headers.get("x-request-id")).toMatch(/^req_/);
    expect((await call("/v1/models", { requestId: "client-id-1" })).headers.get("x-request-id")).toBe("client-id-1");

    // Every generic provider: success streamed and not, an upstream 401 quoting its credentials, a stream that
    // breaks with an error quoting them; on all three APIs for one of them.
    for (const model of ["m1", "m2", "m4", "m5"]) {
      expect((await call("/v1/chat/completions", { body: chat(model, "hi") })).status).toBe(200);
      expect((await call("/v1/chat/completions", { body: chat(model, "hi", true) })).status).toBe(200);
      expect((await call("/v1/chat/completions", { body: chat(model, "fail-http") })).status).toBe(502);
      const broken = await call("/v1/chat/completions", { body: chat(model, "fail-stream", true) });
      expect(await broken.text()).toMatch(/"error":\{"message":"The upstream of provider .* failed mid-response: stream broke: authorization was \\"Bearer \[redacted\]\\"/);
    }
    expect((await call("/v1/messages", { xApiKey: SECRETS.CLIENT_KEY, body: { ...chat("m1", "fail-http"), max_tokens: 50 } })).status).toBe(502);
    expect((await call("/v1/messages", { xApiKey: SECRETS.CLIENT_KEY, body: { ...chat("m2", "fail-stream", true), max_tokens: 50 } })).status).toBe(200);
    expect((await call("/v1/responses", { body: { model: "m4", input: "fail-http", store: false } })).status).toBeGreaterThanOrEqual(500);
    expect((await call("/v1/responses", { body: { model: "m5", input: "fail-stream", stream: true, store: false } })).status).toBe(200);

    // DeepSeek: a token account and a password account answering, and a password the double refuses.
    expect((await call("/v1/chat/completions", { body: chat("deepseek-chat", "hi") })).status).toBe(200);
    expect((await call("/v1/chat/completions", { body: chat("deepseek-chat", "hi", true) })).status).toBe(200);
    expect((await call("/v1/chat/completions", { body: chat("ds-wrong", "hi") })).status).toBeGreaterThanOrEqual(400);

    // /health, without and with a key.
    expect(await (await call("/health", { key: null })).json()).toEqual({ status: expect.stringMatching(/^(ok|degraded)$/) });
    expect(await (await call("/health")).json()).toHaveProperty("providers");

    // The secrets really travelled: the upstream got them, and quoted them back.
    const sent = JSON.stringify(echo.received);
    for (const value of ["Bearer Q", "Bearer Zk", "Bearer p4ss", "Bearer t0k3n", SECRETS.HEADER_VALUE, SECRETS.PROXY_TOKEN]) expect(sent).toContain(value);
    expect(seen.join("\n")).toContain("[redacted]");

    expect(await server.stop()).toBe(0);
    const output = [...seen, server.stderr(), JSON.stringify(server.logs())].join("\n");
    expect(server.logs().length).toBeGreaterThan(40);
    const leaks = Object.entries(SECRETS).flatMap(([name, secret]) => occurrences(output, secret).map((context) => `${name}: …${context}…`));
    expect(leaks).toEqual([]);
  }, 60_000);
});
