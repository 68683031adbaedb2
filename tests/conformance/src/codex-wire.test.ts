import type { RecordedRequest } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type Gateway, MODEL, gatewayForFile, promptOf, replyWithCalls, startGateway } from "./__fixtures__/responses-anthropic-gateway.js";

/**
 * What the Codex CLI test cannot make Codex do on demand: a call to one of its namespace tools. The request has the
 * shape Codex 0.171 sends (../shared/reference/agent-clients.md), sent with openai 7, whose types know `namespace`.
 */
const tools = [
  {
    type: "function" as const,
    name: "exec_command",
    description: "Runs a command.",
    strict: false,
    parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"], additionalProperties: false },
  },
  {
    type: "namespace" as const,
    name: "multi_agent_v1",
    description: "Sub-agents.",
    tools: [
      {
        type: "function" as const,
        name: "spawn_agent",
        description: "Starts a sub-agent.",
        strict: false,
        parameters: { type: "object", properties: { task: { type: "string" } }, required: ["task"], additionalProperties: false },
      },
    ],
  },
  { type: "web_search" as const },
];

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));

function spawnThenAnswer(request: RecordedRequest) {
  const { results } = promptOf(request);
  if (results.length > 0) return `Agent said: ${results[0]!.content}`;
  return replyWithCalls(request, [{ name: "multi_agent_v1.spawn_agent", arguments: { task: "count files" } }]);
}

describe("a Codex-shaped Responses request (openai 7)", () => {
  it("returns a namespace tool's call with its own name and the namespace, and takes it back with store: false", async () => {
    gateway.double.script(spawnThenAnswer);
    const client = new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 });
    const input: OpenAI.Responses.ResponseInputItem[] = [{ role: "user", content: "Count the files with a sub-agent." }];
    const stream = client.responses.stream({ model: MODEL, input, tools, store: false, parallel_tool_calls: true, include: ["reasoning.encrypted_content"] });
    const final = await stream.finalResponse();
    const call = final.output.find((item) => item.type === "function_call");
    if (call?.type !== "function_call") throw new Error(`expected a function call, got ${JSON.stringify(final.output)}`);
    expect(call).toMatchObject({ name: "spawn_agent", namespace: "multi_agent_v1", arguments: '{"task":"count files"}' });
    expect(final.tools.map((tool) => tool.type)).toEqual(["function", "namespace"]);

    const second = await client.responses.create({
      model: MODEL,
      tools,
      store: false,
      input: [...input, call, { type: "function_call_output", call_id: call.call_id, output: "12 files" }],
    });
    expect(second.output_text).toBe("Agent said: 12 files");
    const seen = promptOf(gateway.double.chatRequests().at(-1)!);
    expect(seen.results.map((result) => [result.name, result.content])).toEqual([["multi_agent_v1.spawn_agent", "12 files"]]);
  });
});
