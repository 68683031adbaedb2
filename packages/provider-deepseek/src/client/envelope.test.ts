import { describe, expect, it } from "vitest";
import { DeepSeekFailure } from "./deepseek-failure.js";
import { readEnvelope } from "./envelope.js";

const context = { operation: "create a chat session", clientVersion: "2.0.4" };

function json(body: unknown, status = 200, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

async function failureOf(response: Response): Promise<DeepSeekFailure> {
  const error = await readEnvelope(response, context).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DeepSeekFailure);
  return error as DeepSeekFailure;
}

const biz = (biz_code: number, biz_msg: string, biz_data: unknown = null) => ({ code: 0, msg: "", data: { biz_code, biz_msg, biz_data } });

describe("readEnvelope", () => {
  it("returns biz_data on success", async () => {
    const data = await readEnvelope(json({ code: 0, msg: "", data: { biz_code: 0, biz_msg: "", biz_data: { id: "s1" } } }), context);
    expect(data).toEqual({ id: "s1" });
  });

  it.each([
    [{ code: 40003, msg: "Authorization Failed (invalid token)", data: null }, 200, "invalid_token", 502],
    [{ code: 40001, msg: "", data: null }, 200, "invalid_token", 502],
    [{ code: 40005, msg: "CLIENT_VERSION_TOO_LOW", data: null }, 200, "version_too_low", 502],
    [{ code: 40029, msg: "rate limit", data: null }, 200, "rate_limited", 429],
    [{ code: 40300, msg: "MISSING_HEADER", data: null }, 200, "pow_rejected", 502],
    [{ code: 1, msg: "INVALID_POW_RESPONSE", data: null }, 200, "pow_rejected", 502],
    [biz(2, "PASSWORD_OR_USER_NAME_IS_WRONG"), 200, "wrong_password", 503],
    [biz(10, "USER_IS_BANNED"), 200, "banned", 503],
    [biz(11, "RISK_DEVICE_DETECTED"), 200, "login_rejected", 503],
    [biz(1, "ILLEGAL_CHAT_SESSION_ID"), 200, "invalid_session", 502],
    [biz(7, "rate limit reached"), 200, "rate_limited", 429],
    [{ detail: [{ loc: "body.prompt" }] }, 422, "upstream", 502],
    [{ code: 0, msg: "", data: null }, 401, "invalid_token", 502],
    [{ code: 0, msg: "", data: null }, 503, "upstream", 502],
    [{ code: 429, msg: "too many requests", data: null }, 429, "rate_limited", 429],
    [biz(99, "something new"), 403, "invalid_token", 502],
  ])("%j (HTTP %i) is %s → %i", async (body, status, kind, clientStatus) => {
    const failure = await failureOf(json(body, status));
    expect(failure.kind).toBe(kind);
    expect(failure.status).toBe(clientStatus);
  });

  it("a version rejection names the option to bump and the version sent", async () => {
    const failure = await failureOf(json({ code: 40005, msg: "CLIENT_VERSION_TOO_LOW", data: null }));
    expect(failure.code).toBe("client_version_too_low");
    expect(failure.message).toContain("headers.clientVersion");
    expect(failure.message).toContain("2.0.4");
  });

  it("a muted account carries its mute end (seconds or milliseconds)", async () => {
    const seconds = await failureOf(json(biz(5, "user is muted", { mute_until: 1_800_000_000 })));
    expect(seconds.kind).toBe("muted");
    expect(seconds.muteUntil).toBe(1_800_000_000_000);
    const millis = await failureOf(json(biz(5, "user is muted", { mute_until: 1_800_000_000_123 })));
    expect(millis.muteUntil).toBe(1_800_000_000_123);
  });

  it("WAF blocks and HTML pages are 502 upstream_blocked with a clear message", async () => {
    const waf = await failureOf(new Response("", { status: 202, headers: { "x-amzn-waf-action": "challenge" } }));
    expect(waf).toMatchObject({ kind: "blocked", status: 502, code: "upstream_blocked" });
    expect(waf.message).toContain("firewall");
    const html = await failureOf(new Response("<!DOCTYPE html><html>blocked</html>", { status: 403, headers: { "content-type": "text/html" } }));
    expect(html.kind).toBe("blocked");
  });

  it("a non-JSON text mentioning INVALID_POW_RESPONSE is a PoW rejection", async () => {
    const failure = await failureOf(new Response("INVALID_POW_RESPONSE", { status: 400, headers: { "content-type": "text/plain" } }));
    expect(failure.kind).toBe("pow_rejected");
  });
});
