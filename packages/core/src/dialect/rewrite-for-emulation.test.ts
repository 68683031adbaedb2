import { describe, expect, it } from "vitest";
import type { CanonicalRequest } from "../canonical.js";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { InvalidRequestError } from "../errors.js";
import { defaultDialect } from "./default-dialect.js";
import { rewriteForEmulation } from "./rewrite-for-emulation.js";

const weather = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather for a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** A multi-turn conversation with two parallel calls, their results, a follow-up question and a single call. */
const conversation = [
  { role: "developer", content: "You are terse." },
  { role: "user", content: "Weather in Paris and Rome?" },
  {
    role: "assistant",
    content: "Checking both.",
    tool_calls: [
      { id: "call_A", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } },
      { id: "call_B", type: "function", function: { name: "get_weather", arguments: '{"city": "Rome"}' } },
    ],
  },
  { role: "tool", tool_call_id: "call_A", content: "18°C" },
  { role: "tool", tool_call_id: "call_B", content: [{ type: "text", text: "22°C" }] },
  { role: "assistant", content: "Paris 18°C, Rome 22°C." },
  { role: "user", content: "And Oslo?" },
  { role: "assistant", content: null, tool_calls: [{ id: "call_C", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
  { role: "tool", tool_call_id: "call_C", content: "3°C" },
];

function rewrite(body: Record<string, unknown>, nonce = "n0nce0001", systemRole = true) {
  const request = decodeChatCompletionRequest({ model: "m", tools: [weather], ...body });
  return rewriteForEmulation(request, { dialect: defaultDialect, nonce, systemRole });
}

const call = (nonce: string, city: string) => `<call:${nonce}>{"name": "get_weather", "arguments": {"city":"${city}"}}</call:${nonce}>`;
const result = (nonce: string, id: string, content: string) =>
  `<result:${nonce} id="${id}" name="get_weather">\n${content}\n</result:${nonce}>`;

describe("rewriteForEmulation", () => {
  it("rewrites a multi-turn tool conversation into alternating text turns", () => {
    const messages = rewrite({ messages: conversation });
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    const [system, ...turns] = messages;
    expect(system?.content).toMatch(/^You are terse\.\n\n# Tools\n/);
    expect(system?.content).toContain("<call:n0nce0001>");
    expect(turns.map((m) => m.content)).toEqual([
      "Weather in Paris and Rome?",
      `Checking both.\n\n${call("n0nce0001", "Paris")}\n${call("n0nce0001", "Rome")}`,
      `${result("n0nce0001", "call_A", "18°C")}\n\n${result("n0nce0001", "call_B", "22°C")}`,
      "Paris 18°C, Rome 22°C.",
      "And Oslo?",
      call("n0nce0001", "Oslo"),
      result("n0nce0001", "call_C", "3°C"),
    ]);
  });

  it("folds the instructions into the first user turn when the upstream has no system role", () => {
    const messages = rewrite({ messages: conversation }, "n0nce0001", false);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    const first = messages[0]?.content as string;
    expect(first).toMatch(/^<system_instructions>\nYou are terse\.\n\n# Tools\n[\s\S]*\n<\/system_instructions>\n\nWeather in Paris and Rome\?$/);
    expect(messages.some((m) => m.role === "system")).toBe(false);
  });

  it("opens with a user turn for the instructions when the conversation starts with the assistant", () => {
    const messages = rewrite({ messages: [{ role: "assistant", content: "Hello!" }, { role: "user", content: "Hi" }] }, "n0nce0001", false);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[0]?.content).toMatch(/^<system_instructions>\n# Tools/);
  });

  it("re-renders earlier calls and results with the current nonce only", () => {
    const first = JSON.stringify(rewrite({ messages: conversation }, "firstnonce"));
    const second = JSON.stringify(rewrite({ messages: conversation }, "secondnonce"));
    expect(first).toContain("<call:firstnonce>");
    expect(second).not.toContain("firstnonce");
    expect(second.match(/<call:secondnonce>/g)?.length).toBe(3 + 2); // three replayed calls, two in the instructions
    expect(second.match(/<result:secondnonce id=/g)?.length).toBe(3);
  });

  it("with tool_choice none replays history but gives no tool instructions", () => {
    const messages = rewrite({ messages: conversation, tool_choice: "none" });
    const system = messages[0]?.content as string;
    expect(system).not.toContain("# Tools");
    expect(system).not.toContain("get_weather");
    expect(system).toMatch(/No tools can be called in this reply: answer in plain text.*calls and results earlier in this conversation are shown for reference only/);
    expect(messages.map((m) => m.content)).toContain(call("n0nce0001", "Oslo"));
    expect(messages.map((m) => m.content)).toContain(result("n0nce0001", "call_C", "3°C"));
  });

  it("says tools are unavailable when the client sends tools: [] with tool history", () => {
    const messages = rewrite({ tools: [], messages: conversation });
    expect(messages[0]).toEqual({ role: "system", content: expect.stringMatching(/^You are terse\.\n\nNo tools can be called/) });
  });

  it("with tool_choice none and no tool history says only that tools are unavailable", () => {
    const messages = rewrite({ tool_choice: "none", messages: [{ role: "user", content: "Hi" }] });
    expect(messages[0]).toEqual({ role: "system", content: "No tools can be called in this reply: answer in plain text and do not write any call blocks." });
  });

  it("adds no system message when there is nothing to say", () => {
    expect(rewrite({ tools: [], messages: [{ role: "user", content: "Hi" }] })).toEqual([{ role: "user", content: "Hi" }]);
  });

  it("merges consecutive turns of one role, including results followed by user text", () => {
    const messages = rewrite({
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: [{ type: "text", text: "two" }, { type: "text", text: "three" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "c1", content: "sunny" },
        { role: "user", content: "thanks, and now?" },
        { role: "assistant", content: "" },
        { role: "assistant", content: "Let me think." },
        { role: "assistant", content: "Done." },
      ],
    });
    expect(messages.slice(1)).toEqual([
      { role: "user", content: "one\n\ntwo\nthree" },
      { role: "assistant", content: call("n0nce0001", "Paris") },
      { role: "user", content: `${result("n0nce0001", "c1", "sunny")}\n\nthanks, and now?` },
      { role: "assistant", content: "Let me think.\n\nDone." },
    ]);
  });

  it("keeps image parts of user messages", () => {
    const image = { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } };
    const messages = rewrite({
      tools: [],
      messages: [
        { role: "user", content: "first" },
        { role: "user", content: [{ type: "text", text: "What is this?" }, image] },
      ],
    });
    expect(messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "first" },
          { type: "text", text: "\n\n" },
          { type: "text", text: "What is this?" },
          { type: "image", url: "data:image/png;base64,AAAA", detail: "low" },
        ],
      },
    ]);
  });

  it("turns a system message in the middle of the conversation into delimited user text", () => {
    const messages = rewrite({
      tools: [],
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello." },
        { role: "system", content: "Now answer in French." },
        { role: "user", content: "How are you?" },
      ],
    });
    expect(messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello." },
      { role: "user", content: "<system_instructions>\nNow answer in French.\n</system_instructions>\n\nHow are you?" },
    ]);
  });

  it("renders the images a tool returned inside its result, in the client's order", () => {
    const sky = { type: "image", url: "https://x/sky.png" } as const;
    const request: CanonicalRequest = decodeChatCompletionRequest({ model: "m", tools: [weather], messages: [{ role: "user", content: "Sky?" }] });
    request.messages.push(
      { role: "assistant", content: null, toolCalls: [{ id: "call_A", name: "get_weather", arguments: "{}" }, { id: "call_B", name: "get_weather", arguments: "{}" }] },
      { role: "tool", toolCallId: "call_A", name: "get_weather", content: "before\nafter", parts: [{ type: "text", text: "before" }, sky, { type: "text", text: "after" }] },
      { role: "tool", toolCallId: "call_B", name: "get_weather", content: "", parts: [sky] },
      { role: "user", content: "Thanks" },
    );
    const messages = rewriteForEmulation(request, { dialect: defaultDialect, nonce: "n0nce0001", systemRole: true });
    const [open, close] = result("n0nce0001", "call_A", "\u0000").split("\u0000");
    const [openB, closeB] = result("n0nce0001", "call_B", "\u0000").split("\u0000");
    expect(messages.at(-1)).toEqual({
      role: "user",
      content: [
        { type: "text", text: `${open}before` },
        sky,
        { type: "text", text: `after${close}` },
        { type: "text", text: "\n\n" },
        { type: "text", text: openB },
        sky,
        { type: "text", text: closeB },
        { type: "text", text: "\n\n" },
        { type: "text", text: "Thanks" },
      ],
    });
  });

  it("a tool result without images is text even when the decoder kept its parts", () => {
    const request = decodeChatCompletionRequest({ model: "m", tools: [weather], messages: [{ role: "user", content: "Sky?" }] });
    request.messages.push(
      { role: "assistant", content: null, toolCalls: [{ id: "call_A", name: "get_weather", arguments: "{}" }] },
      { role: "tool", toolCallId: "call_A", name: "get_weather", content: "a\nb", parts: [{ type: "text", text: "a" }, { type: "text", text: "b" }] },
    );
    const messages = rewriteForEmulation(request, { dialect: defaultDialect, nonce: "n0nce0001", systemRole: true });
    expect(messages.at(-1)).toEqual({ role: "user", content: result("n0nce0001", "call_A", "a\nb") });
  });

  it("renders response_format as an instruction for the final answer", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"] };
    const withTools = rewrite({
      messages: [{ role: "user", content: "Hi" }],
      response_format: { type: "json_schema", json_schema: { name: "answer", schema } },
    });
    expect(withTools[0]?.content).toMatch(/When you answer in text instead of calling a tool, your answer must be a single valid JSON object/);
    expect(withTools[0]?.content).toContain(JSON.stringify(schema));
    const plain = rewrite({ tools: [], messages: [{ role: "user", content: "Hi" }], response_format: { type: "json_object" } });
    expect(plain[0]?.content).toMatch(/^# Answer format\n\nYour answer must be a single valid JSON object\. Write only the JSON/);
  });

  it("a result for an unknown call id is rejected by the decoder before any rewriting", () => {
    const body = { messages: [...conversation.slice(0, 3), { role: "tool", tool_call_id: "call_Z", content: "?" }] };
    expect(() => rewrite(body)).toThrow(InvalidRequestError);
    expect(() => rewrite(body)).toThrow(expect.objectContaining({ status: 400, param: "messages[3].tool_call_id" }));
  });
});
