import type { UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { createMemoryState, createStateSealer, type ProviderState } from "@toolshim/core/provider-utils";
import { afterEach, describe, expect, it } from "vitest";
import { type QwenDouble, startQwenDouble } from "../double/index.js";
import { settingsSchema } from "../settings.js";
import { createQwenUpstream } from "./create-qwen-upstream.js";

// Two upstreams on one state stand for two gateway instances sharing Redis: with a sealer on the state (the
// deployment's state.secret), they sign in to an account once between them.

const ALICE = { email: "alice@example.com", password: "alice-pw-123" };
const ask: UpstreamRequest = { model: "qwen3.7-plus", messages: [{ role: "user", content: "Say hi." }], options: {} };

let double: QwenDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function answer(upstream: ReturnType<typeof createQwenUpstream>): Promise<string> {
  let text = "";
  for await (const event of upstream.stream(ask, new AbortController().signal) as AsyncIterable<UpstreamEvent>) if (event.type === "text") text += event.text;
  return text;
}

async function twoInstances(state: ProviderState) {
  double = await startQwenDouble({ accounts: [ALICE] });
  const settings = settingsSchema.parse({ baseURL: double.url, accounts: [ALICE], models: ["qwen3.7-plus"] });
  return { double, upstreams: [createQwenUpstream(settings, { state }), createQwenUpstream(settings, { state })] };
}

describe("qwen sign-ins on a shared state", () => {
  it("sign in once for two instances, and once more when the token is refused", async () => {
    const state = { ...createMemoryState(), sealer: await createStateSealer("a-deployment-secret-of-enough-length-0123") };
    const { double, upstreams } = await twoInstances(state);
    expect(await Promise.all(upstreams.map(answer))).toEqual(["Hello!", "Hello!"]);
    expect(double.auth.logins).toBe(1);
    double.auth.expire();
    expect(await Promise.all(upstreams.map(answer))).toEqual(["Hello!", "Hello!"]);
    expect(double.auth.logins).toBe(2);
  });

  it("each signs in on its own without a sealer (a single instance's memory state)", async () => {
    const { double, upstreams } = await twoInstances(createMemoryState());
    expect(await Promise.all(upstreams.map(answer))).toEqual(["Hello!", "Hello!"]);
    expect(double.auth.logins).toBe(2);
  });
});
