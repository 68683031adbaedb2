import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "./double-auth.js";
import { createdFrame, finishedFrame, keepAliveFrame, typingFrame } from "./frames.js";
import { type QwenDouble, startQwenDouble } from "./start-qwen-double.js";

// The double against the protocol reference: frames byte for byte (§13), the headers it checks (§15.12), sign-in,
// chats, stop, quotas and the failure switches.

const HEADERS = { "content-type": "application/json", source: "web", version: "0.3.11", "bx-v": "2.5.37" };
let double: QwenDouble;

beforeEach(async () => {
  double = await startQwenDouble({ tokens: ["t1"], accounts: [{ email: "a@example.com", password: "pw" }], maxConcurrentStreams: 1, dailyQuota: 3, keepAliveMs: 20 });
});
afterEach(() => double.close());

function call(path: string, body?: unknown, extra: Record<string, string> = {}, method = "POST"): Promise<Response> {
  return fetch(`${double.url}${path}`, {
    method,
    headers: { ...HEADERS, authorization: "Bearer t1", "x-request-id": crypto.randomUUID(), ...extra },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

async function newChat(): Promise<string> {
  const answer = (await (await call("/api/v2/chats/new", { models: ["qwen3.7-plus"], chat_type: "t2t", chat_mode: "normal" })).json()) as { data: { id: string } };
  return answer.data.id;
}

const completion = (chatId: string, extra: Record<string, unknown> = {}) => ({
  stream: true,
  model: "qwen3.7-plus",
  chat_id: chatId,
  parent_id: null,
  messages: [{ role: "user", content: "hi", feature_config: { output_schema: "phase", thinking_enabled: false }, chat_type: "t2t" }],
  ...extra,
});

describe("the Qwen Chat double", () => {
  it("writes the captured frames byte for byte, spacing quirks included", () => {
    // Reference §13 (capture U2, 2026-09-25): created line ends with a space; deltas use ", " and ": ".
    expect(createdFrame({ chatId: "004c84c5-6e71-4510-ad21-f41a08bf8373", parentId: "6d612b15-9a52-4b3b-879e-0b72c911761b", responseId: "90fdc166-7ef4-41aa-b969-b99cbdfec0cd" })).toBe(
      'data: {"response.created":{"chat_id": "004c84c5-6e71-4510-ad21-f41a08bf8373", "parent_id": "6d612b15-9a52-4b3b-879e-0b72c911761b", "response_id":"90fdc166-7ef4-41aa-b969-b99cbdfec0cd", "response_index": "0"}} \n\n',
    );
    expect(typingFrame("90fdc166-7ef4-41aa-b969-b99cbdfec0cd", "answer", "!", { input: 1047, output: 6, reasoning: 0, cached: 512 }, 1790356348)).toBe(
      'data: {"choices": [{"delta": {"role": "assistant", "content": "!", "phase": "answer", "status": "typing"}}], "response_id": "90fdc166-7ef4-41aa-b969-b99cbdfec0cd", "usage": {"input_tokens": 1047, "output_tokens": 6, "characters": 0, "total_tokens": 1053, "input_tokens_details": {"text_tokens": 1047}, "output_tokens_details": {"text_tokens": 6}, "prompt_tokens_details": {"cached_tokens": 512}}, "timestamp": 1790356348}\n\n',
    );
    expect(finishedFrame("90fdc166-7ef4-41aa-b969-b99cbdfec0cd", "answer")).toBe(
      'data: {"choices": [{"delta": {"content": "", "role": "assistant", "status": "finished", "phase": "answer"}}], "response_id": "90fdc166-7ef4-41aa-b969-b99cbdfec0cd"}\n\n',
    );
    expect(keepAliveFrame({ chatId: "b9234626-da4a-4b65-b12b-1df27daa39f8", responseId: "8a14f168-ea9b-454c-85c2-a6aa32e8c4eb" }, 1772616291)).toBe(
      'data: {"response.info": {"action": "keep_alive", "chat_id": "b9234626-da4a-4b65-b12b-1df27daa39f8", "response_id": "8a14f168-ea9b-454c-85c2-a6aa32e8c4eb", "timestamp": 1772616291}}\n\n',
    );
  });

  it("signs in with the SHA-256 hex of the password and issues a 15-minute JWT", async () => {
    const wrong = await call("/api/v1/auths/signin", { email: "a@example.com", password: "pw" });
    expect(wrong.status).toBe(401);
    const right = (await (await call("/api/v1/auths/signin", { email: "a@example.com", password: await sha256Hex("pw") })).json()) as { token: string };
    const claims = JSON.parse(Buffer.from(right.token.split(".")[1] ?? "", "base64url").toString()) as { exp: number; iat: number; type: string };
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.type).toBe("access_token");
  });

  it("checks the web app's headers and refuses missing or expired tokens", async () => {
    const noId = (await (await fetch(`${double.url}/api/v2/chats/new`, { method: "POST", headers: { ...HEADERS, authorization: "Bearer t1" }, body: "{}" })).json()) as { success: boolean; data: { details: string } };
    expect(noId).toMatchObject({ success: false, data: { details: "missing header x-request-id" } });
    const oldVersion = (await (await call("/api/v2/chats/new", {}, { version: "0.2.63" })).json()) as { data: { details: string } };
    expect(oldVersion.data.details).toContain("0.2.63");
    double.auth.expire("t1");
    expect((await call("/api/v2/chats/new", {})).status).toBe(401);
  });

  it("streams an answer without [DONE], and no phase when output_schema is missing", async () => {
    const chatId = await newChat();
    const text = await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId))).text();
    expect(text).toMatch(/^data: \{"response\.created":\{.*\}\} \n\n/);
    expect(text).toContain('"content": "Hello", "phase": "answer", "status": "typing"');
    expect(text.endsWith('"status": "finished", "phase": "answer"}}], "response_id": ' + JSON.stringify(double.chats.get(chatId)?.responseIds[0]) + "}\n\n")).toBe(true);
    expect(text).not.toContain("[DONE]");
    const plain = completion(chatId, { messages: [{ role: "user", content: "hi", feature_config: {} }] });
    expect(await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, plain)).text()).toContain('"phase": null');
  });

  it("accepts one message only, and a parent_id only from that chat", async () => {
    const chatId = await newChat();
    const two = completion(chatId, { messages: [{ role: "user", content: "a" }, { role: "user", content: "b" }] });
    expect(await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, two)).json()).toMatchObject({ success: false, data: { code: "Bad_Request" } });
    expect(await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId, { parent_id: "nope" }))).json()).toMatchObject({ success: false });
  });

  it("stops a stream on /completions/stop with response.stopped, sending keep-alives while it waits", async () => {
    double.setReply({ answer: ["partial"], end: "stall" });
    const chatId = await newChat();
    const response = await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = "";
    while (!text.includes("keep_alive")) text += new TextDecoder().decode((await reader.read()).value);
    await call("/api/v2/chat/completions/stop", { chat_id: chatId, response_id: double.chats.get(chatId)?.responseIds[0] });
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += new TextDecoder().decode(next.value);
    expect(text).toContain('"response.stopped"');
    expect(double.requestsTo("/chat/completions").find((request) => request.outcome)?.outcome).toBe("stopped");
  });

  it("limits concurrent streams per account and counts a daily quota", async () => {
    double.setReply({ answer: ["x"], end: "stall" });
    const chatId = await newChat();
    const held = await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId));
    const second = await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId))).text();
    expect(second).toContain('"code": "Too_Many_Requests"');
    await held.body?.cancel();
    double.setReply({ answer: ["x"] });
    await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId))).text();
    expect(await (await call(`/api/v2/chat/completions?chat_id=${chatId}`, completion(chatId))).json()).toMatchObject({ success: false, data: { code: "RateLimited", num: 4 } });
  });

  it("answers the WAF's captcha body with HTTP 200 when switched to", async () => {
    double.failNext({ kind: "waf" }, "chats/new");
    const response = await call("/api/v2/chats/new", {});
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ret: ["FAIL_SYS_USER_VALIDATE", expect.stringContaining("RGV587_ERROR")] });
  });
});
