import { createScriptedFetch, type ScriptedReply } from "@toolshim/core/provider-utils";
import { type ContractScenario, runProviderContractSuite } from "@toolshim/core/testing";
import { createGenericUpstream } from "./index.js";

// The shared contract again, this time with no HTTP double: a scripted fetch answers with recorded Chat Completions
// frames, exactly as an OpenAI-compatible server writes them.

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model: "contract-model", choices, ...extra })}\n\n`;
const delta = (value: Record<string, unknown>, finish: string | null = null) => chunk([{ index: 0, delta: value, finish_reason: finish }]);

function replyFor(scenario: ContractScenario): ScriptedReply {
  const pieces = (chunks: string[]) => [delta({ role: "assistant", content: "" }), ...chunks.map((content) => delta({ content }))];
  switch (scenario.kind) {
    case "text": {
      const usage = scenario.usage ? [chunk([], { usage: { prompt_tokens: scenario.usage.inputTokens, completion_tokens: scenario.usage.outputTokens } })] : [];
      return { frames: [...pieces(scenario.chunks), delta({}, "stop"), ...usage, "data: [DONE]\n\n"] };
    }
    case "http-error":
      return { status: scenario.status, headers: { "content-type": "application/json" }, frames: [JSON.stringify({ error: { message: `scripted HTTP ${scenario.status}` } })] };
    case "drop":
      return { frames: pieces(scenario.chunks), end: "drop" };
    case "stall":
      return { frames: pieces(scenario.chunks), end: "stall" };
  }
}

await runProviderContractSuite("generic over a scripted fetch", () => {
  const script: ContractScenario[] = [];
  const fetch = createScriptedFetch(() => replyFor(script.shift() ?? { kind: "text", chunks: ["unscripted"] }));
  const upstream = createGenericUpstream({ baseURL: "http://scripted.invalid/v1", tools: "emulate", models: [{ id: "contract-model" }], fetch });
  return {
    upstream,
    model: "contract-model",
    scenario: (scenario) => void script.push(scenario),
    idle: () => fetch.openBodies() === 0,
  };
});
