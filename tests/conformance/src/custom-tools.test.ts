import { defaultDialect } from "@toolshim/core";
import type { RecordedRequest } from "@toolshim/provider-generic/double";
import OpenAI from "openai";
import OpenAIv6 from "openai-v6";
import { beforeEach, describe, expect, it } from "vitest";
import { type Gateway, MODEL, gatewayForFile, promptOf, startGateway } from "./__fixtures__/responses-anthropic-gateway.js";

/** What a patch tool receives: quotes, backslashes, newlines and look-alike markup, none of it escaped by the model. */
const PATCH = '*** Begin Patch\n*** Update File: greet.py\n@@\n-print("hi")\n+print("hello, \\"world\\"")  # </call:other>\n*** End Patch';
const FINAL = "The patch is applied.";

const patchTool = { type: "custom" as const, name: "apply_patch", description: "Edit files with a patch.", format: { type: "text" as const } };
const dateTool = {
  type: "custom" as const,
  name: "set_date",
  description: "Set the date.",
  format: { type: "grammar" as const, syntax: "regex" as const, definition: "\\d{4}-\\d{2}-\\d{2}" },
};
const chatPatchTool = { type: "custom" as const, custom: { name: "apply_patch", description: "Edit files with a patch.", format: { type: "text" as const } } };

/** A model reply calling a custom tool in the raw form its instructions describe (nonce read from the prompt). */
function rawCall(request: RecordedRequest, name: string, input: string, before = "Patching. "): string {
  const nonce = promptOf(request).nonce;
  if (!nonce) throw new Error("the request the double received carries no tool instructions");
  return before + defaultDialect.renderCall({ id: "", name, arguments: input, custom: true }, { tools: [], toolChoice: { type: "auto" }, parallelToolCalls: true, nonce });
}

/** Calls apply_patch with PATCH until a tool result comes back, then answers FINAL. */
function patchLoop(request: RecordedRequest): string {
  return promptOf(request).results.length > 0 ? FINAL : rawCall(request, "apply_patch", PATCH);
}

let gateway: Gateway;
gatewayForFile(startGateway, (started) => (gateway = started));
beforeEach(() => gateway.double.script(patchLoop));

const clients = {
  "openai 7": () => new OpenAI({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 }),
  "openai 6": () => new OpenAIv6({ baseURL: gateway.server.baseURL, apiKey: "unused", maxRetries: 0 }) as unknown as OpenAI,
};

describe.each(Object.entries(clients))("custom tools with %s", (label, makeClient) => {
  it("Responses: a custom_tool_call with the raw input, and its output back in the input", async () => {
    const client = makeClient();
    const first = await client.responses.create({ model: MODEL, input: "Fix the greeting.", tools: [patchTool], store: false });
    const call = first.output.find((item) => item.type === "custom_tool_call");
    if (call?.type !== "custom_tool_call") throw new Error(`expected a custom tool call, got ${JSON.stringify(first.output)}`);
    expect(call).toMatchObject({ name: "apply_patch", input: PATCH, status: "completed" });
    expect(call.call_id).toMatch(/^call_/);

    const second = await client.responses.create({
      model: MODEL,
      store: false,
      tools: [patchTool],
      input: [
        { role: "user", content: "Fix the greeting." },
        { type: "custom_tool_call", call_id: call.call_id, name: call.name, input: call.input },
        { type: "custom_tool_call_output", call_id: call.call_id, output: "Done! 1 file changed." },
      ],
    });
    expect(second.output_text).toBe(FINAL);
    const seen = promptOf(gateway.double.chatRequests().at(-1)!);
    expect(seen.results.map((result) => [result.name, result.content])).toEqual([["apply_patch", "Done! 1 file changed."]]);
    // The earlier call was replayed to the model in the raw form, verbatim.
    expect(JSON.stringify(gateway.double.chatRequests().at(-1)!.body.messages)).toContain(JSON.stringify(PATCH).slice(1, -1));
  });

  it("Responses, streamed: custom_tool_call_input deltas the SDK accumulates into the final response", async () => {
    const client = makeClient();
    const stream = client.responses.stream({ model: MODEL, input: "Fix the greeting.", tools: [patchTool] });
    const deltas: string[] = [];
    let done = "";
    for await (const event of stream) {
      if (event.type === "response.custom_tool_call_input.delta") deltas.push(event.delta);
      if (event.type === "response.custom_tool_call_input.done") done = event.input;
    }
    const final = await stream.finalResponse();
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(PATCH);
    expect(done).toBe(PATCH);
    expect(final.output.find((item) => item.type === "custom_tool_call")).toMatchObject({ name: "apply_patch", input: PATCH });
  });

  it("Responses: input that breaks a regex grammar is never returned; the model is asked again", async () => {
    gateway.double.script((request) => {
      const retry = JSON.stringify(request.body.messages).includes("could not be used");
      return rawCall(request, "set_date", retry ? "2026-12-06" : "next tuesday", "");
    });
    const before = gateway.double.chatRequests().length;
    const response = await makeClient().responses.create({ model: MODEL, input: "Set it to today.", tools: [dateTool], store: false });
    expect(response.output).toEqual([expect.objectContaining({ type: "custom_tool_call", name: "set_date", input: "2026-12-06" })]);
    expect(gateway.double.chatRequests().length - before).toBe(2);
  });

  it("Chat Completions: a custom tool call, streamed and not, and its result back in history", async () => {
    const client = makeClient();
    const question = [{ role: "user" as const, content: "Fix the greeting." }];
    const completion = await client.chat.completions.create({ model: MODEL, messages: question, tools: [chatPatchTool] });
    const call = completion.choices[0]!.message.tool_calls?.[0];
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call).toMatchObject({ type: "custom", custom: { name: "apply_patch", input: PATCH } });

    // Raw chunks: an opening delta naming the call, then custom.input fragments.
    const chunks = await client.chat.completions.create({ model: MODEL, messages: question, tools: [chatPatchTool], stream: true });
    const deltas: string[] = [];
    let opening: unknown;
    for await (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (delta.type === "custom") opening = delta;
        else if (delta.custom?.input) deltas.push(delta.custom.input);
      }
    }
    expect(opening).toMatchObject({ index: 0, type: "custom", custom: { name: "apply_patch", input: "" } });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(PATCH);
    if (label === "openai 7") {
      // openai 6's .stream() helper cannot accumulate custom calls (it requires function.name); openai 7's can.
      const stream = client.chat.completions.stream({ model: MODEL, messages: question, tools: [chatPatchTool] });
      const streamed = await stream.finalChatCompletion();
      expect(streamed.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: "custom", custom: { name: "apply_patch", input: PATCH } });
    }

    const answer = await client.chat.completions.create({
      model: MODEL,
      tools: [chatPatchTool],
      messages: [...question, completion.choices[0]!.message, { role: "tool", tool_call_id: call!.id, content: "Done!" }],
    });
    expect(answer.choices[0]!.message.content).toBe(FINAL);
    expect(promptOf(gateway.double.chatRequests().at(-1)!).results.map((result) => result.content)).toEqual(["Done!"]);
  });
});

describe("a custom tool the model calls in a JSON form", () => {
  it("reaches the client as the raw string inside, on Responses and Chat Completions", async () => {
    const jsonCall = (request: RecordedRequest) => {
      const nonce = promptOf(request).nonce;
      return `<call:${nonce}>${JSON.stringify({ name: "apply_patch", arguments: { input: PATCH } })}</call:${nonce}>`;
    };
    gateway.double.script(jsonCall);
    const client = clients["openai 7"]();
    const response = await client.responses.create({ model: MODEL, input: "Fix the greeting.", tools: [patchTool], store: false, stream: true });
    let input = "";
    for await (const event of response) if (event.type === "response.custom_tool_call_input.done") input = event.input;
    expect(input).toBe(PATCH);
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Fix the greeting." }], tools: [chatPatchTool] });
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: "custom", custom: { name: "apply_patch", input: PATCH } });
  });
});
