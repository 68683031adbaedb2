import { runProviderContractSuite } from "@toolshim/core/testing";
import { startDeepSeekDouble } from "../double/index.js";
import { createDeepSeekUpstream } from "./create-deepseek-upstream.js";

// The shared provider contract, run against the real provider talking HTTP to the protocol double. "usage" is not
// skipped: DeepSeek reports output tokens, and the provider adds a prompt estimate.
await runProviderContractSuite("deepseek", async () => {
  const double = await startDeepSeekDouble({ tokens: ["contract-token"], powDifficulty: 200 });
  const upstream = createDeepSeekUpstream({ baseURL: double.url, accounts: [{ token: "contract-token" }] });
  return {
    upstream,
    model: "deepseek-chat",
    scenario(scenario) {
      double.setScenario(undefined);
      switch (scenario.kind) {
        case "text":
          double.setReply(scenario.chunks.join(""));
          break;
        case "stall":
          double.setReply(scenario.chunks.join(""));
          double.holdStreams();
          break;
        case "drop":
          double.setReply(`${scenario.chunks.join("")} and more that never arrives`);
          double.setScenario({ kind: "drop", afterFrames: 4 });
          break;
        case "http-error":
          double.setScenario({ kind: "json-error", status: scenario.status, code: scenario.status, msg: `HTTP ${scenario.status}` });
          break;
      }
    },
    async idle() {
      // The held stream must end as "aborted" (the provider left), never be read to its end.
      const health = await upstream.health();
      const streams = [...double.state.leases.values()].reduce((sum, open) => sum + open, 0);
      const completions = double.requestsTo("chat/completion");
      return (
        health.inFlight === 0 &&
        streams === 0 &&
        [...double.state.sessions.values()].every((session) => session.deleted) &&
        completions.every((request) => request.outcome !== "pending" && request.outcome !== "completed")
      );
    },
    async close() {
      await upstream.close();
      await double.close();
    },
  };
});
