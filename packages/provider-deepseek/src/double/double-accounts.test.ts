import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startDeepSeekDouble, type DeepSeekDouble, type DoubleRoute } from "./index.js";
import { RawClient } from "./test-support/raw-client.js";

let double: DeepSeekDouble;
let client: RawClient;

beforeEach(async () => {
  double = await startDeepSeekDouble({
    accounts: [
      { email: "alice@example.com", password: "alice-pw" },
      { mobile: "13800000000", password: "mobile-pw" },
      { email: "banned@example.com", password: "pw", status: "banned" },
      { email: "risky@example.com", password: "pw", status: "risk-device" },
      { email: "muted@example.com", password: "pw", status: "muted", muteUntil: 1_900_000_000 },
    ],
    tokens: ["direct-token"],
  });
  client = new RawClient(double.url);
});
afterEach(() => double.close());

const INVALID_TOKEN = { code: 40003, msg: "Authorization Failed (invalid token)", data: null };
const bizError = (biz_code: number, biz_msg: string, biz_data: unknown = null) => ({ code: 0, msg: "", data: { biz_code, biz_msg, biz_data } });

describe("login", () => {
  it("answers an email login with a token that authorizes users/current", async () => {
    const response = await client.post("users/login", { email: "alice@example.com", password: "alice-pw", device_id: "deepseek_to_api", os: "android" });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ code: 0, msg: "", data: { biz_code: 0, biz_msg: "" } });
    const user = response.json.data.biz_data.user;
    expect(user).toMatchObject({ email: "alice@example.com", chat: { is_muted: 0 } });
    const current = await client.get("users/current", user.token);
    expect(current.json.data.biz_data).toMatchObject({ token: user.token, email: "alice@example.com" });
  });

  it("logs in by mobile number, and the email wins when both are given", async () => {
    const byMobile = await client.post("users/login", { mobile: "13800000000", area_code: null, password: "mobile-pw", device_id: "x", os: "android" });
    expect(typeof byMobile.json.data.biz_data.user.token).toBe("string");
    const both = await client.post("users/login", { email: "alice@example.com", mobile: "13800000000", password: "mobile-pw" });
    expect(both.json).toEqual(bizError(2, "PASSWORD_OR_USER_NAME_IS_WRONG"));
  });

  it.each([
    ["a wrong password", { email: "alice@example.com", password: "nope" }, bizError(2, "PASSWORD_OR_USER_NAME_IS_WRONG")],
    ["an unknown user", { email: "nobody@example.com", password: "pw" }, bizError(2, "PASSWORD_OR_USER_NAME_IS_WRONG")],
    ["a banned account", { email: "banned@example.com", password: "pw" }, bizError(10, "USER_IS_BANNED")],
    ["a risky device", { email: "risky@example.com", password: "pw" }, bizError(11, "RISK_DEVICE_DETECTED")],
  ])("refuses %s", async (_, body, expected) => {
    const response = await client.post("users/login", body);
    expect(response.status).toBe(200);
    expect(response.json).toEqual(expected);
  });

  it("lets a muted account in and says until when it is muted", async () => {
    const response = await client.post("users/login", { email: "muted@example.com", password: "pw" });
    expect(response.json.data.biz_data.user.chat).toEqual({ is_muted: 1, mute_until: 1_900_000_000 });
  });

  it("answers 422 naming a missing password", async () => {
    const response = await client.post("users/login", { email: "alice@example.com" });
    expect(response.status).toBe(422);
    expect(response.json).toEqual({ detail: [{ loc: "body.password" }] });
  });
});

describe("tokens", () => {
  const authorized: [("GET" | "POST"), DoubleRoute][] = [
    ["GET", "users/current"],
    ["POST", "chat_session/create"],
    ["POST", "chat_session/delete"],
    ["POST", "chat_session/delete_all"],
    ["GET", "chat_session/fetch_page"],
    ["POST", "chat/create_pow_challenge"],
    ["POST", "chat/completion"],
    ["POST", "chat/continue"],
    ["POST", "chat/stop_stream"],
  ];

  it.each(authorized)("%s %s without a valid token is 40003 on HTTP 200", async (method, route) => {
    for (const headers of [{}, { authorization: "Bearer not-a-token" }] as Record<string, string>[]) {
      const response = await client.request(method, route, method === "POST" ? {} : undefined, headers);
      expect(response.status).toBe(200);
      expect(response.json).toEqual(INVALID_TOKEN);
    }
  });

  it("accepts tokens given directly and stops accepting revoked ones", async () => {
    expect((await client.get("users/current", "direct-token")).json.code).toBe(0);
    const token = await client.login("alice@example.com", "alice-pw");
    double.revokeToken(token);
    expect((await client.get("users/current", token)).json).toEqual(INVALID_TOKEN);
    expect(double.state.tokens.has(token)).toBe(false);
  });

  it("refuses the token of an account banned after it logged in", async () => {
    const token = await client.login("alice@example.com", "alice-pw");
    double.setAccountStatus("alice@example.com", "banned");
    expect((await client.post("chat_session/create", {}, token)).json).toEqual(bizError(10, "USER_IS_BANNED"));
  });
});

describe("client version gate", () => {
  it("answers CLIENT_VERSION_TOO_LOW to an outdated x-client-version on session create and PoW challenge", async () => {
    const old = new RawClient(double.url, { "x-client-platform": "android", "x-client-version": "1.3.0-auto-resume" });
    for (const route of ["chat_session/create", "chat/create_pow_challenge"]) {
      const response = await old.post(route, { target_path: "/api/v0/chat/completion" }, "direct-token");
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ code: 40005, msg: "CLIENT_VERSION_TOO_LOW", data: null });
    }
  });

  it("accepts current versions and requests without identity headers", async () => {
    for (const profile of [{ "x-client-version": "2.0.4" }, { "x-client-version": "2.5.0" }, {}] as Record<string, string>[]) {
      const response = await new RawClient(double.url, profile).post("chat_session/create", {}, "direct-token");
      expect(response.json.code).toBe(0);
    }
  });

  it("takes the minimum from the options", async () => {
    const strict = await startDeepSeekDouble({ tokens: ["t"], minClientVersion: "2.5.0" });
    try {
      const response = await new RawClient(strict.url, { "x-client-version": "2.0.4" }).post("chat_session/create", {}, "t");
      expect(response.json.msg).toBe("CLIENT_VERSION_TOO_LOW");
    } finally {
      await strict.close();
    }
  });
});

describe("chat sessions", () => {
  it("creates sessions with the current response shape", async () => {
    const token = await client.login("alice@example.com", "alice-pw");
    const response = await client.post("chat_session/create", { agent: "chat" }, token);
    const biz = response.json.data.biz_data;
    expect(biz.ttl_seconds).toBe(259200);
    expect(biz.chat_session).toMatchObject({ agent: "chat", model_type: "default", title: null, title_type: "WIP", current_message_id: null, pinned: false });
    expect(biz.chat_session.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(double.state.sessions.get(biz.chat_session.id)).toMatchObject({ lastResponseMessageId: null, deleted: false });
  });

  it("can answer with the older biz_data.id shape", async () => {
    const legacy = await startDeepSeekDouble({ tokens: ["t"], legacySessionShape: true });
    try {
      const biz = (await new RawClient(legacy.url).post("chat_session/create", {}, "t")).json.data.biz_data;
      expect(biz.chat_session).toBeUndefined();
      expect(legacy.state.sessions.has(biz.id)).toBe(true);
      expect(biz.model_type).toBe("DEFAULT");
    } finally {
      await legacy.close();
    }
  });

  it("deletes one session, then all, and lists only live sessions of the caller", async () => {
    const alice = await client.login("alice@example.com", "alice-pw");
    const [one, two, three] = [await client.createSession(alice), await client.createSession(alice), await client.createSession(alice)];
    const other = await client.createSession("direct-token");
    const listed = async () => (await client.get("chat_session/fetch_page?lte_cursor.pinned=false", alice)).json.data.biz_data;
    expect((await listed()).chat_sessions.map((s: { id: string }) => s.id).sort()).toEqual([one, two, three].sort());
    expect((await listed()).has_more).toBe(false);

    expect((await client.post("chat_session/delete", { chat_session_id: one }, alice)).json).toEqual({ code: 0, msg: "", data: { biz_code: 0, biz_msg: "", biz_data: null } });
    expect((await client.post("chat_session/delete", { chat_session_id: one }, alice)).json).toEqual(bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
    // Someone else's session is not the caller's to delete.
    expect((await client.post("chat_session/delete", { chat_session_id: other }, alice)).json).toEqual(bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
    expect((await listed()).chat_sessions).toHaveLength(2);

    expect((await client.post("chat_session/delete_all", {}, alice)).json.code).toBe(0);
    expect((await listed()).chat_sessions).toHaveLength(0);
    expect(double.state.sessions.get(other)?.deleted).toBe(false);
    expect(double.state.sessions.get(two)?.deleted).toBe(true);
  });

  it("refuses a completion in a deleted session", async () => {
    const token = await client.login("alice@example.com", "alice-pw");
    const session = await client.createSession(token);
    await client.post("chat_session/delete", { chat_session_id: session }, token);
    const response = await client.complete(token, { chat_session_id: session });
    expect(response.json).toEqual(bizError(1, "ILLEGAL_CHAT_SESSION_ID"));
  });
});

describe("routing and non-completion scenarios", () => {
  it("answers 404 to unknown paths and 405 to the wrong method", async () => {
    expect((await client.post("chat/unknown", {})).status).toBe(404);
    expect((await client.get("chat_session/create", "direct-token")).status).toBe(405);
    expect(double.state.requests.map((r) => r.response?.status)).toEqual([404, 405]);
  });

  it("answers a scripted JSON error on the route it names, once", async () => {
    double.queueScenario({ kind: "json-error", route: "chat_session/create", code: 40002, msg: "token expired" });
    expect((await client.post("chat_session/create", {}, "direct-token")).json).toEqual({ code: 40002, msg: "token expired", data: null });
    expect((await client.post("chat_session/create", {}, "direct-token")).json.code).toBe(0);
  });

  it("blocks at the WAF before any auth check", async () => {
    double.queueScenario({ kind: "waf", route: "users/login" }, { kind: "waf", route: "users/current", status: 403 });
    const challenge = await client.post("users/login", { email: "alice@example.com", password: "alice-pw" });
    expect(challenge.status).toBe(202);
    expect(challenge.headers.get("x-amzn-waf-action")).toBe("challenge");
    expect(challenge.headers.get("content-type")).toContain("text/html");
    expect(challenge.json).toBeUndefined();
    const blocked = await client.get("users/current");
    expect(blocked.status).toBe(403);
    expect(blocked.headers.get("x-amzn-waf-action")).toBe("block");
  });

  it("drops the connection without an answer", async () => {
    double.queueScenario({ kind: "drop", route: "chat/create_pow_challenge" });
    await expect(client.post("chat/create_pow_challenge", { target_path: "/api/v0/chat/completion" }, "direct-token")).rejects.toThrow();
    expect(double.requestsTo("chat/create_pow_challenge")[0]?.outcome).toBe("dropped");
  });

  it("logs every request with headers, body and answer", async () => {
    await client.post("users/login", { email: "alice@example.com", password: "alice-pw" });
    const [entry] = double.requestsTo("users/login");
    expect(entry).toMatchObject({
      method: "POST",
      path: "/api/v0/users/login",
      body: { email: "alice@example.com", password: "alice-pw" },
      response: { status: 200, kind: "json", code: 0, bizCode: 0 },
      outcome: "completed",
    });
    expect(entry?.headers["x-client-version"]).toBe("2.0.4");
  });
});
