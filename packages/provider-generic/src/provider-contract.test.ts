import { runProviderContractSuite, type ContractScenario } from "@toolshim/core/testing";
import { startOpenAIDouble, type DoubleReply } from "./double/index.js";
import { createGenericUpstream } from "./index.js";

/** The shared provider contract, with the OpenAI double playing each scenario on the wire. */
function replyFor(scenario: ContractScenario): DoubleReply {
  switch (scenario.kind) {
    case "text":
      return {
        text: scenario.chunks,
        ...(scenario.usage ? { usage: { prompt_tokens: scenario.usage.inputTokens, completion_tokens: scenario.usage.outputTokens } } : {}),
      };
    case "http-error":
      return { failure: { kind: "http", status: scenario.status, message: `scripted HTTP ${scenario.status}` } };
    // Events: the role chunk, then one per text piece; the failure strikes right after them.
    case "drop":
      return { text: scenario.chunks, failure: { kind: "reset", afterChunks: 1 + scenario.chunks.length } };
    case "stall":
      return { text: scenario.chunks, failure: { kind: "stall", afterChunks: 1 + scenario.chunks.length } };
  }
}

for (const tools of ["emulate", "auto"] as const) {
  await runProviderContractSuite(`generic (tools: ${tools})`, async () => {
    const double = await startOpenAIDouble({ models: ["contract-model"] });
    const upstream = createGenericUpstream({ baseURL: double.url, tools });
    return {
      upstream,
      model: "contract-model",
      scenario: (scenario) => double.enqueue(replyFor(scenario)),
      // The upstream connection is released once the double no longer has a response in progress.
      idle: () => double.requests.every((request) => request.outcome !== "pending"),
      close: () => double.close(),
    };
  });
}
