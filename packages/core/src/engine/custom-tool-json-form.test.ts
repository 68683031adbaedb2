import { describe, expect, it } from "vitest";
import { createChatCompletion } from "./create-chat-completion.js";
import { createResponse } from "../responses/create-response.js";
import { createReplayUpstream, type ReplayResponse } from "../testing/create-replay-upstream.js";

/** A patch with everything JSON would have to escape: quotes, backslashes, newlines. */
const PATCH = '*** Begin Patch\n*** Update File: a.py\n-print("hi")\n+print("hi \\\\ there")\n*** End Patch';
const json = JSON.stringify(PATCH);
const forms: [string, string][] = [
  ["toolshim's JSON form", `<call:{{nonce}}>{"name": "apply_patch", "arguments": {"input": ${json}}}</call:{{nonce}}>`],
  ["Hermes <tool_call>", `<tool_call>\n{"name": "apply_patch", "arguments": {"input": ${json}}}\n</tool_call>`],
  ["a single member under another name", `<call:{{nonce}}>{"name": "apply_patch", "arguments": {"patch": ${json}}}</call:{{nonce}}>`],
];

function context(responses: ReplayResponse | ReplayResponse[]) {
  const upstream = createReplayUpstream({ responses });
  return { upstream, upstreamModel: "replay", signal: new AbortController().signal };
}

const chatBody = {
  model: "m",
  messages: [{ role: "user", content: "Fix a.py" }],
  tools: [{ type: "custom", custom: { name: "apply_patch", description: "Edit files." } }],
};
const responsesBody = { model: "m", input: "Fix a.py", tools: [{ type: "custom", name: "apply_patch", description: "Edit files." }] };

describe("a custom tool called in a JSON form gets the string inside as its raw input", () => {
  it.each(forms)("Chat Completions, not streamed: %s", async (_, text) => {
    const result = await createChatCompletion(chatBody, context({ text, chunkSize: 7 }));
    if (result.stream) throw new Error("expected a completion");
    expect(result.response.choices[0]?.message.tool_calls).toEqual([{ id: expect.any(String), type: "custom", custom: { name: "apply_patch", input: PATCH } }]);
  });

  it.each(forms)("Chat Completions, streamed: %s", async (_, text) => {
    const result = await createChatCompletion({ ...chatBody, stream: true }, context({ text, chunkSize: 5 }));
    if (!result.stream) throw new Error("expected a stream");
    let input = "";
    for await (const chunk of result.chunks) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) if ("custom" in call) input += call.custom.input;
    }
    expect(input).toBe(PATCH);
  });

  it.each(forms)("Responses, streamed: %s", async (_, text) => {
    const result = await createResponse({ ...responsesBody, stream: true }, context({ text, chunkSize: 5 }));
    if (!result.stream) throw new Error("expected a stream");
    const done = [];
    for await (const event of result.events) if (event.type === "response.custom_tool_call_input.done") done.push(event);
    expect(done).toEqual([expect.objectContaining({ input: PATCH })]);
  });

  it("refuses a JSON form that holds no one string, and asks the model again", async () => {
    const wrong = '<call:{{nonce}}>{"name": "apply_patch", "arguments": {"input": "a", "mode": "b"}}</call:{{nonce}}>';
    const right = "<call:{{nonce}}>apply_patch\n*** Begin Patch\n*** End Patch\n</call:{{nonce}}>";
    const ctx = context([{ text: wrong }, { text: right }]);
    const result = await createResponse(responsesBody, ctx);
    if (result.stream) throw new Error("expected a response");
    expect(result.response.output).toEqual([expect.objectContaining({ type: "custom_tool_call", input: "*** Begin Patch\n*** End Patch" })]);
    expect(ctx.upstream.requests).toHaveLength(2);
    expect(JSON.stringify(ctx.upstream.requests[1]?.messages)).toContain("a custom tool takes one raw string");
  });
});
