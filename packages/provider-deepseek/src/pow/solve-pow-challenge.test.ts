import { describe, expect, it, vi } from "vitest";
import { UpstreamError } from "@toolshim/core";
import { decodePowResponse, encodePowResponse, PowSolver, solvePowChallenge, type PowChallenge } from "./index.js";

// Real challenges with their answers, protocol reference §5.2 (salt, expire_at, challenge, difficulty, answer).
type ChallengeRow = readonly [salt: string, expireAt: number, challenge: string, difficulty: number, answer: number];
const realChallenges: [ChallengeRow, ChallengeRow, ChallengeRow] = [
  ["404e9b1b931574575ab7", 1772967221890, "38c282a8dfab4b018b6c2466b600f572a4caa68367e8ff05db40779f6f329f3b", 144000, 55317],
  ["4e8565ce57578f4efb4d", 1791027488061, "56792d7dd642aa1c27191ba9710df5ceb3504cd3a55b225b13f6dad53356f560", 144000, 31223],
  ["17738b0f3ba7f708b8a2", 1773608037291, "b2cf746eb1e9669b6e3e49b2b9f1b5fdacd177cdc8553067f29c702b0524dc0d", 20, 16],
];

function challengeOf([salt, expireAt, challenge, difficulty]: ChallengeRow): PowChallenge {
  return {
    algorithm: "DeepSeekHashV1",
    challenge,
    salt,
    difficulty,
    expire_at: expireAt,
    expire_after: 300000,
    signature: "ce4678cf7a1290c2a7ac88c4195a5b8497e5fc4b0e8044e804f5a6f3af6fe462",
    target_path: "/api/v0/chat/completion",
  };
}

describe("solvePowChallenge", () => {
  it.each(realChallenges)("solves the real challenge with salt %s", async (...row: ChallengeRow) => {
    expect(await solvePowChallenge(challengeOf(row))).toBe(row[4]);
  });

  it("rejects an unknown algorithm without searching", async () => {
    const challenge = { ...challengeOf(realChallenges[0]), algorithm: "DeepkHashV1" };
    await expect(solvePowChallenge(challenge)).rejects.toMatchObject({ code: "pow_unsupported", retryable: false });
  });

  it("rejects a malformed challenge with the reason", async () => {
    const challenge = { ...challengeOf(realChallenges[0]), challenge: "xyz" };
    await expect(solvePowChallenge(challenge)).rejects.toThrow(/challenge is not 64 hex characters/);
  });

  it("reports when no answer exists below the difficulty", async () => {
    // The real answer is 55317, so nothing below 1000 matches.
    const challenge = { ...challengeOf(realChallenges[0]), difficulty: 1000 };
    const error = await solvePowChallenge(challenge).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: "pow_failed", status: 502 });
  });

  it("rejects at once with the abort reason and keeps the worker usable", async () => {
    const solver = new PowSolver();
    try {
      const controller = new AbortController();
      // No answer below 10^7: the search would take seconds if the abort did not stop it.
      const hopeless = { ...challengeOf(realChallenges[0]), challenge: "00".repeat(32), difficulty: 10_000_000 };
      const pending = solvePowChallenge(hopeless, controller.signal, solver);
      setTimeout(() => controller.abort(new Error("client went away")), 20);
      await expect(pending).rejects.toThrow("client went away");
      const started = performance.now();
      expect(await solvePowChallenge(challengeOf(realChallenges[2]), undefined, solver)).toBe(16);
      // The next job only runs once the worker has left the aborted search; it must not have ground on to 10^7.
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      await solver.close();
    }
  });

  it("leaves the event loop free while searching", async () => {
    const solver = new PowSolver();
    try {
      const controller = new AbortController();
      const hopeless = { ...challengeOf(realChallenges[0]), challenge: "00".repeat(32), difficulty: 10_000_000 };
      let settled = false;
      const outcome = solvePowChallenge(hopeless, controller.signal, solver).finally(() => (settled = true));
      // Timers keep firing while the worker grinds through a search that takes seconds.
      let ticks = 0;
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => ++ticks === 5 && (clearInterval(timer), resolve()), 5);
      });
      expect(settled).toBe(false);
      controller.abort(new Error("done"));
      await expect(outcome).rejects.toThrow("done");
    } finally {
      await solver.close();
    }
  });

  it("rejects an already aborted signal without posting work", async () => {
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(solvePowChallenge(challengeOf(realChallenges[1]), controller.signal)).rejects.toThrow("too late");
  });

  it("runs concurrent searches and gives each its own answer", async () => {
    const answers = await Promise.all(realChallenges.map((row) => solvePowChallenge(challengeOf(row))));
    expect(answers).toEqual(realChallenges.map((row) => row[4]));
  });

  it("fails pending searches when the solver is closed", async () => {
    const solver = new PowSolver();
    const hopeless = { ...challengeOf(realChallenges[0]), challenge: "00".repeat(32), difficulty: 10_000_000 };
    expect(solver.running).toBe(false);
    const outcome = expect(solvePowChallenge(hopeless, undefined, solver)).rejects.toMatchObject({ code: "pow_failed" });
    expect(solver.running).toBe(true);
    await solver.close();
    expect(solver.running).toBe(false);
    await outcome;
  });
});

describe("PowSolver kernels", () => {
  it.each([
    [{}, "wasm"],
    [{ kernel: "wasm" }, "wasm"],
    [{ kernel: "typescript" }, "typescript"],
  ] as const)("with options %j solves on the %s kernel", async (options, kernel) => {
    const solver = new PowSolver(options);
    try {
      expect(solver.kernel).toBeUndefined();
      expect(await solvePowChallenge(challengeOf(realChallenges[1]), undefined, solver)).toBe(31223);
      expect(solver.kernel).toBe(kernel);
    } finally {
      await solver.close();
    }
  });

  it("falls back to the TypeScript kernel where WebAssembly is unavailable", async () => {
    const solver = new PowSolver();
    try {
      vi.stubGlobal("WebAssembly", undefined);
      const answer = solvePowChallenge(challengeOf(realChallenges[0]), undefined, solver);
      vi.unstubAllGlobals();
      expect(await answer).toBe(55317);
      expect(solver.kernel).toBe("typescript");
    } finally {
      vi.unstubAllGlobals();
      await solver.close();
    }
  });
});

describe("encodePowResponse", () => {
  it("is base64 of the compact six-key JSON in the order clients send", () => {
    const challenge = challengeOf(realChallenges[0]);
    const header = encodePowResponse(challenge, 55317);
    expect(Buffer.from(header, "base64").toString("utf8")).toBe(
      '{"algorithm":"DeepSeekHashV1","challenge":"38c282a8dfab4b018b6c2466b600f572a4caa68367e8ff05db40779f6f329f3b","salt":"404e9b1b931574575ab7","answer":55317,"signature":"ce4678cf7a1290c2a7ac88c4195a5b8497e5fc4b0e8044e804f5a6f3af6fe462","target_path":"/api/v0/chat/completion"}',
    );
    expect(decodePowResponse(header)).toEqual({
      algorithm: "DeepSeekHashV1",
      challenge: challenge.challenge,
      salt: challenge.salt,
      answer: 55317,
      signature: challenge.signature,
      target_path: "/api/v0/chat/completion",
    });
  });

  it("round-trips the real upload_file header of the reference", () => {
    const json =
      '{"algorithm":"DeepSeekHashV1","challenge":"7f18c54336d635aad89c8c1d18bc05953c1f667fa3abd322bba7ad409fa42979","salt":"74a9a5e7a3f145757f4e","answer":126730,"signature":"5a7ed537c644966787b95cfe4e8479a03af22ad6071c10e6ad7f6df010c956f2","target_path":"/api/v0/file/upload_file"}';
    const decoded = decodePowResponse(Buffer.from(json).toString("base64"))!;
    const { answer, ...rest } = decoded;
    expect(encodePowResponse({ ...rest, difficulty: 144000, expire_at: 0 }, answer)).toBe(Buffer.from(json).toString("base64"));
  });

  it.each([
    ["raw JSON instead of base64", '{"answer":1}'],
    ["base64 of something that is not JSON", Buffer.from("hello").toString("base64")],
    ["a JSON array", Buffer.from("[1]").toString("base64")],
    ["a missing answer", Buffer.from('{"algorithm":"a","challenge":"b","salt":"c","signature":"d","target_path":"e"}').toString("base64")],
    ["a string answer", Buffer.from('{"algorithm":"a","challenge":"b","salt":"c","answer":"1","signature":"d","target_path":"e"}').toString("base64")],
  ])("decodePowResponse refuses %s", (_, header) => {
    expect(decodePowResponse(header)).toBeUndefined();
  });
});
