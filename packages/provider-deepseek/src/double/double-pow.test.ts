import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deepSeekHashV1, encodePowResponse, solvePowChallenge, type PowChallenge } from "../pow/index.js";
import { startDeepSeekDouble, type DeepSeekDouble } from "./index.js";
import { RawClient } from "./test-support/raw-client.js";

let double: DeepSeekDouble;
let client: RawClient;
let clock: number;
let session: string;
const TOKEN = "pow-token";

beforeEach(async () => {
  clock = 1_780_000_000_000;
  double = await startDeepSeekDouble({ tokens: [TOKEN, "other-token"], powDifficulty: 500, now: () => clock });
  client = new RawClient(double.url);
  session = await client.createSession(TOKEN);
});
afterEach(() => double.close());

const MISSING_HEADER = { code: 40300, msg: "MISSING_HEADER", data: null };
const INVALID_POW = { code: 40301, msg: "INVALID_POW_RESPONSE", data: null };

async function completeWith(pow: string) {
  return client.complete(TOKEN, { chat_session_id: session }, { pow });
}

function lastRejection() {
  return double.requestsTo("chat/completion").at(-1)?.powRejection;
}

describe("PoW challenges", () => {
  it("issues real DeepSeekHashV1 challenges with the configured difficulty", async () => {
    const challenge = await client.challenge(TOKEN);
    expect(Object.keys(challenge).sort()).toEqual(["algorithm", "challenge", "difficulty", "expire_after", "expire_at", "salt", "signature", "target_path"]);
    expect(challenge).toMatchObject({ algorithm: "DeepSeekHashV1", difficulty: 500, expire_at: clock + 300_000, expire_after: 300_000, target_path: "/api/v0/chat/completion" });
    expect(challenge.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(challenge.salt).toMatch(/^[0-9a-f]{20}$/);
    expect(challenge.signature).toMatch(/^[0-9a-f]{64}$/);
    const answer = await solvePowChallenge(challenge);
    expect(answer).toBeLessThan(500);
    expect(deepSeekHashV1(`${challenge.salt}_${challenge.expire_at}_${answer}`)).toBe(challenge.challenge);
    expect(double.state.challenges.at(-1)).toMatchObject({ answer, token: TOKEN });
  });

  it("echoes other target paths", async () => {
    const challenge = await client.challenge(TOKEN, "/api/v0/file/upload_file");
    expect(challenge.target_path).toBe("/api/v0/file/upload_file");
  });

  it("answers 422 without a target path", async () => {
    const response = await client.post("chat/create_pow_challenge", {}, TOKEN);
    expect(response.status).toBe(422);
  });
});

describe("x-ds-pow-response checks", () => {
  it("accepts a correct answer once", async () => {
    const pow = await client.powHeader(TOKEN);
    const first = await completeWith(pow);
    expect(first.headers.get("content-type")).toContain("text/event-stream");
    expect(double.state.challenges.at(-1)?.usedBy).toEqual({ path: "/api/v0/chat/completion", sessionId: session, messageId: 2 });
    const second = await client.complete(TOKEN, { chat_session_id: session, parent_message_id: 2 }, { pow });
    expect(second.json).toEqual(INVALID_POW);
    expect(lastRejection()).toBe("reused");
  });

  it("answers MISSING_HEADER without a header or with raw JSON instead of base64", async () => {
    const challenge = await client.challenge(TOKEN);
    const raw = JSON.stringify({ ...challenge, answer: await solvePowChallenge(challenge) });
    for (const pow of ["", raw]) {
      const response = await completeWith(pow);
      expect(response.status).toBe(200);
      expect(response.json).toEqual(MISSING_HEADER);
    }
    expect(double.requestsTo("chat/completion").map((r) => r.powRejection)).toEqual(["missing", "undecodable"]);
  });

  it("refuses a wrong answer", async () => {
    const challenge = await client.challenge(TOKEN);
    const answer = await solvePowChallenge(challenge);
    expect((await completeWith(encodePowResponse(challenge, (answer + 1) % 500))).json).toEqual(INVALID_POW);
    expect(lastRejection()).toBe("wrong-answer");
    // The failed attempt did not spend the challenge.
    expect((await completeWith(encodePowResponse(challenge, answer))).headers.get("content-type")).toContain("text/event-stream");
  });

  it("refuses an expired answer", async () => {
    const challenge = await client.challenge(TOKEN);
    const pow = encodePowResponse(challenge, await solvePowChallenge(challenge));
    clock += 300_001;
    expect((await completeWith(pow)).json).toEqual(INVALID_POW);
    expect(lastRejection()).toBe("expired");
  });

  it.each([
    ["a forged challenge", (c: PowChallenge) => ({ ...c, challenge: "ab".repeat(32) }), "unknown-challenge"],
    ["a changed salt", (c: PowChallenge) => ({ ...c, salt: "0".repeat(20) }), "unknown-challenge"],
    ["a changed signature", (c: PowChallenge) => ({ ...c, signature: "0".repeat(64) }), "bad-signature"],
    ["a changed target path", (c: PowChallenge) => ({ ...c, target_path: "/api/v0/chat/edit_message" }), "wrong-target-path"],
  ] as const)("refuses %s", async (_, tamper, reason) => {
    const challenge = await client.challenge(TOKEN);
    const answer = await solvePowChallenge(challenge);
    expect((await completeWith(encodePowResponse(tamper(challenge), answer))).json).toEqual(INVALID_POW);
    expect(lastRejection()).toBe(reason);
  });

  it("refuses a challenge issued for another path", async () => {
    const pow = await client.powHeader(TOKEN, "/api/v0/file/upload_file");
    expect((await completeWith(pow)).json).toEqual(INVALID_POW);
    expect(lastRejection()).toBe("wrong-target-path");
  });

  it("lets /chat/continue reuse the header of the completion it continues, but not one spent elsewhere", async () => {
    double.queueScenario({ kind: "incomplete" }, { kind: "incomplete" });
    const pow = await client.powHeader(TOKEN);
    await completeWith(pow);
    const resumed = await client.continueMessage(TOKEN, session, 2, pow);
    expect(resumed.headers.get("content-type")).toContain("text/event-stream");

    const elsewhere = await client.createSession(TOKEN);
    await client.complete(TOKEN, { chat_session_id: elsewhere });
    const foreign = await client.continueMessage(TOKEN, elsewhere, 2, pow);
    expect(foreign.json).toEqual(INVALID_POW);
    expect(double.requestsTo("chat/continue").at(-1)?.powRejection).toBe("reused");
  });
});
