import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../canonical.js";
import { InvalidRequestError } from "../errors.js";
import { decodeResponsesRequest } from "./decode-responses-request.js";
import { streamResponseEvents } from "./encode-response.js";
import { ResponseEncoder } from "./response-encoder.js";

/** The tool shapes Codex 0.171 sends (../shared/reference/agent-clients.md), cut down: structure only. */
const execCommand = {
  type: "function",
  name: "exec_command",
  description: "Runs a command.",
  strict: false,
  parameters: { type: "object", properties: { cmd: { type: "string" } }, required: ["cmd"], additionalProperties: false },
};
const agents = {
  type: "namespace",
  name: "multi_agent_v1",
  description: "Sub-agents.",
  tools: [
    { type: "function", name: "spawn_agent", description: "Starts an agent.", strict: false, parameters: { type: "object", properties: {} } },
    { type: "function", name: "exec_command", strict: false, parameters: { type: "object", properties: {} } },
  ],
};
const applyPatch = {
  type: "custom",
  name: "apply_patch",
  description: "Edits files.",
  format: { type: "grammar", syntax: "lark", definition: 'start: "*** Begin Patch" LF /(.|\\n)*/ "*** End Patch"' },
};
const body = { model: "m", input: "hi", tools: [execCommand, agents, applyPatch, { type: "web_search", external_web_access: true }] };

async function rejection(request: unknown): Promise<InvalidRequestError> {
  const error = await decodeResponsesRequest(request).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(InvalidRequestError);
  return error as InvalidRequestError;
}

async function encode(events: CanonicalEvent[]) {
  const { echo } = await decodeResponsesRequest(body);
  const encoder = new ResponseEncoder({ echo });
  async function* source() {
    yield* events;
  }
  const out = [];
  for await (const event of streamResponseEvents(source(), encoder)) out.push(event);
  return { out, response: encoder.response };
}

describe("Responses tools as Codex sends them", () => {
  it("flattens namespace members under namespace.name, next to a flat tool of the same short name", async () => {
    const { request, echo, ignoredTools } = await decodeResponsesRequest(body);
    expect(request.tools.map((tool) => tool.name)).toEqual(["exec_command", "multi_agent_v1.spawn_agent", "multi_agent_v1.exec_command", "apply_patch"]);
    expect(request.tools[1]!.description).toBe("Starts an agent.\n(Part of Sub-agents.)");
    expect(request.tools[3]).toMatchObject({ strict: true, custom: { format: { type: "grammar", syntax: "lark" } } });
    expect(echo.tools.map((tool) => tool.type)).toEqual(["function", "namespace", "custom"]);
    expect(ignoredTools).toEqual(["web_search"]);
  });

  it("refuses a flat tool whose name is a namespace member's qualified name, and a namespace holding a hosted tool", async () => {
    const clash = await rejection({ ...body, tools: [agents, { ...execCommand, name: "multi_agent_v1.spawn_agent" }] });
    expect(clash.param).toBe("tools[1].name");
    expect(clash.message).toContain("tools[0].tools[0].name");
    const hosted = await rejection({ ...body, tools: [{ ...agents, tools: [{ type: "web_search" }] }] });
    expect(hosted.param).toBe("tools[0].tools[0].type");
  });

  it("accepts namespaced function calls and custom tool calls with their outputs back in the input", async () => {
    const { request } = await decodeResponsesRequest({
      ...body,
      input: [
        { role: "user", content: "go" },
        { type: "function_call", call_id: "c1", name: "spawn_agent", namespace: "multi_agent_v1", arguments: "{}" },
        { type: "custom_tool_call", call_id: "c2", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" },
        { type: "function_call_output", call_id: "c1", output: "agent 7" },
        { type: "custom_tool_call_output", call_id: "c2", output: [{ type: "input_text", text: "Done!" }] },
      ],
    });
    expect(request.messages.slice(1)).toEqual([
      {
        role: "assistant",
        content: null,
        toolCalls: [
          { id: "c1", name: "multi_agent_v1.spawn_agent", arguments: "{}" },
          { id: "c2", name: "apply_patch", arguments: "*** Begin Patch\n*** End Patch", custom: true },
        ],
      },
      { role: "tool", toolCallId: "c1", name: "multi_agent_v1.spawn_agent", content: "agent 7" },
      { role: "tool", toolCallId: "c2", name: "apply_patch", content: "Done!" },
    ]);
    const orphan = await rejection({ ...body, input: [{ role: "user", content: "x" }, { type: "custom_tool_call_output", call_id: "c9", output: "1" }] });
    expect(orphan.message).toContain("no custom_tool_call with that call_id");
  });

  it("returns a namespaced call as a function_call carrying the namespace", async () => {
    const { out, response } = await encode([
      { type: "tool-call-start", index: 0, id: "call_1", name: "multi_agent_v1.spawn_agent" },
      { type: "tool-call-delta", index: 0, argumentsDelta: "{}" },
      { type: "tool-call-end", index: 0, arguments: "{}" },
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(response.output).toEqual([
      { id: expect.stringMatching(/^fc_/), type: "function_call", status: "completed", arguments: "{}", call_id: "call_1", name: "spawn_agent", namespace: "multi_agent_v1" },
    ]);
    expect(out.find((event) => event.type === "response.function_call_arguments.done")).toMatchObject({ name: "spawn_agent" });
  });

  it("streams a custom call as custom_tool_call_input deltas and a done event with the raw input", async () => {
    const { out, response } = await encode([
      { type: "tool-call-start", index: 0, id: "call_2", name: "apply_patch", custom: true },
      { type: "tool-call-delta", index: 0, argumentsDelta: "*** Begin Patch\n" },
      { type: "tool-call-delta", index: 0, argumentsDelta: "*** End Patch" },
      { type: "tool-call-end", index: 0, arguments: "*** Begin Patch\n*** End Patch" },
      { type: "finish", reason: "tool_calls" },
    ]);
    expect(out.map((event) => event.type).slice(2)).toEqual([
      "response.output_item.added",
      "response.custom_tool_call_input.delta",
      "response.custom_tool_call_input.delta",
      "response.custom_tool_call_input.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const item = { type: "custom_tool_call", status: "completed", call_id: "call_2", name: "apply_patch", input: "*** Begin Patch\n*** End Patch" };
    expect(out[2]).toMatchObject({ item: { ...item, status: "in_progress", input: "" } });
    expect(out[5]).toMatchObject({ input: item.input, output_index: 0, item_id: expect.stringMatching(/^ctc_/) });
    expect(response.output).toEqual([{ ...item, id: expect.stringMatching(/^ctc_/) }]);
  });
});
