import { runProviderContractSuite } from "@toolshim/core/testing";
import { startQwenDouble } from "../double/index.js";
import { settingsSchema } from "../settings.js";
import { createQwenUpstream } from "./create-qwen-upstream.js";

// The shared provider contract, run against the real provider talking HTTP to the Qwen Chat protocol double.
await runProviderContractSuite("qwen", async () => {
  const double = await startQwenDouble({ tokens: ["contract-token"], keepAliveMs: 50 });
  const upstream = createQwenUpstream(settingsSchema.parse({ baseURL: double.url, accounts: [{ token: "contract-token" }] }));
  return {
    upstream,
    model: "qwen3.7-plus",
    scenario(scenario) {
      switch (scenario.kind) {
        case "text":
          double.setReply({ answer: scenario.chunks, ...(scenario.usage && { usage: { input: scenario.usage.inputTokens, output: scenario.usage.outputTokens } }) });
          break;
        case "stall":
        case "drop":
          double.setReply({ answer: scenario.chunks, end: scenario.kind });
          break;
        case "http-error":
          double.failNext({ kind: "http", status: scenario.status });
          break;
      }
    },
    // Released means: no stream open at the double, and every chat the provider created deleted again.
    idle: () => double.openStreams() === 0 && [...double.chats.values()].every((chat) => chat.deleted),
    close: () => double.close(),
  };
});
