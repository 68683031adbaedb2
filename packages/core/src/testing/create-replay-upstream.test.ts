import { UpstreamError } from "../upstream.js";
import { type ReplayResponse, createReplayUpstream } from "./create-replay-upstream.js";
import { runProviderContractSuite } from "./run-provider-contract-suite.js";

// The replay upstream is itself a provider: it keeps the contract every real provider is held to.
await runProviderContractSuite("replay upstream", () => {
  let next: ReplayResponse = { text: "" };
  const upstream = createReplayUpstream({ models: ["replay-1", "replay-2"], responses: () => next });
  return {
    upstream,
    model: "replay-1",
    idle: () => upstream.openStreams === 0,
    scenario(scenario) {
      switch (scenario.kind) {
        case "text":
          next = scenario.usage ? { text: scenario.chunks, usage: scenario.usage } : { text: scenario.chunks };
          break;
        case "stall":
          next = { text: scenario.chunks, hangAfter: scenario.chunks.length };
          break;
        case "drop":
          next = {
            text: scenario.chunks,
            failAfter: {
              events: scenario.chunks.length,
              error: new UpstreamError("The connection to the upstream dropped.", { status: 502, retryable: true }),
            },
          };
          break;
        case "http-error":
          next = {
            failBefore: new UpstreamError(`The upstream answered ${scenario.status}.`, {
              status: scenario.status,
              retryable: scenario.status === 429 || scenario.status >= 500,
              upstreamStatus: scenario.status,
            }),
          };
          break;
      }
    },
  };
});
