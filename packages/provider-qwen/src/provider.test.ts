import { UpstreamError, type UpstreamEvent } from "@toolshim/core";
import { createMemoryState, type ProviderContext } from "@toolshim/core/provider-utils";
import { runProviderContractSuite } from "@toolshim/core/testing";
import { describe, expect, it } from "vitest";
import { createWebChatDouble, type WebChatDouble } from "./double.js";
import provider from "./index.js";

const TOKEN = "test-token-0123456789";
const ignore = () => {};

function setup(): { double: WebChatDouble; upstream: ReturnType<typeof provider.create>; model: string } {
  const double = createWebChatDouble();
  const settings = provider.settings.parse({ baseURL: "https://qwen.invalid/api", token: TOKEN });
  const context: ProviderContext = {
    name: "qwen",
    fetch: double.fetch,
    logger: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    state: createMemoryState(),
    timeouts: { firstByteMs: 30_000, idleMs: 30_000, totalMs: 0 },
  };
  return { double, upstream: provider.create(settings, context), model: settings.models[0] ?? "" };
}

// The contract every toolshim provider keeps, run against the scripted double (no network, no HTTP server).
await runProviderContractSuite("qwen", () => {
  const { double, upstream, model } = setup();
  return { upstream, model, scenario: (scenario) => double.script(scenario), idle: () => double.fetch.openBodies() === 0 };
});

async function collect(events: AsyncIterable<UpstreamEvent>): Promise<{ events: UpstreamEvent[]; error?: unknown }> {
  const seen: UpstreamEvent[] = [];
  try {
    for await (const event of events) seen.push(event);
    return { events: seen };
  } catch (error) {
    return { events: seen, error };
  }
}

describe("qwen provider", () => {
  it("sends the conversation as one prompt with the token, and splits inline <think> into reasoning", async () => {
    const { double, upstream, model } = setup();
    double.script({ kind: "text", chunks: ["<think>hm", "m</think>Hi", " there"] });
    const { events } = await collect(upstream.stream({ model, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello" }], options: {} }, new AbortController().signal));
    expect(double.requests).toEqual([{ model, prompt: "System: Be brief.\n\nUser: Hello", authorization: `Bearer ${TOKEN}` }]);
    expect(events.filter((event) => event.type === "reasoning").map((event) => (event.type === "reasoning" ? event.text : "")).join("")).toBe("hmm");
    expect(events.filter((event) => event.type === "text").map((event) => (event.type === "text" ? event.text : "")).join("")).toBe("Hi there");
  });

  it("passes retry-after on a 429 on to the client", async () => {
    const { double, upstream, model } = setup();
    double.script({ kind: "http-error", status: 429, retryAfter: 7 });
    const { error } = await collect(upstream.stream({ model, messages: [{ role: "user", content: "Hi" }], options: {} }, new AbortController().signal));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ status: 429, retryAfter: 7, retryable: true });
  });
});
