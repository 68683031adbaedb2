import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { countMessageTokens, createMessage } from "./create-message.js";
import { decodeMessagesRequest } from "./decode-messages-request.js";

// Request shapes as Claude Code 2.1.x sends them (reference: agent-clients.md); texts are placeholders.
const schema = (properties: Record<string, unknown>, required: string[]) => ({
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties,
  required,
  additionalProperties: false,
});
const tools = [
  { name: "Bash", description: "Runs a command.", input_schema: schema({ command: { type: "string" } }, ["command"]) },
  { name: "ToolSearch", description: "Finds tools.", input_schema: schema({ query: { type: "string" } }, ["query"]) },
  { name: "DeferredToolPlaceholder", description: "Placeholder.", input_schema: schema({}, []), defer_loading: true },
  { name: "WebFetch", description: "Fetches a URL.", input_schema: schema({ url: { type: "string" } }, ["url"]), defer_loading: true },
];
const ephemeral = { type: "ephemeral" };
const firstTurns = [
  {
    role: "user",
    content: [
      { type: "text", text: "<system-reminder>context</system-reminder>" },
      { type: "text", text: "Say hello with Bash." },
    ],
  },
  { role: "system", content: [{ type: "text", text: "Environment: linux, cwd /tmp.", cache_control: ephemeral }] },
];
const body = {
  model: "emulated",
  max_tokens: 32000,
  stream: true,
  system: [
    { type: "text", text: "billing header" },
    { type: "text", text: "You are an agent.", cache_control: ephemeral },
    { type: "text", text: "Use tools well.", cache_control: ephemeral },
  ],
  tools,
  metadata: { user_id: JSON.stringify({ device_id: "d".repeat(64), account_uuid: "", session_id: "0000-1111" }) },
  thinking: { type: "adaptive", display: "updates" },
  context_management: { edits: [{ type: "clear_thinking_20251015", keep: "all" }] },
  output_config: { effort: "high" },
  messages: firstTurns,
};
const searchTurns = [
  ...firstTurns,
  {
    role: "assistant",
    content: [
      { type: "thinking", thinking: "I need a fetch tool.", signature: "RXh0ZXJuYWxTaWduYXR1cmU=" },
      { type: "redacted_thinking", data: "opaque" },
      { type: "tool_use", id: "toolu_search", name: "ToolSearch", input: { query: "select:WebFetch" } },
    ],
  },
  { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_search", content: [{ type: "tool_reference", tool_name: "WebFetch" }] }] },
  { role: "system", content: "Tools were loaded." },
];

function rejection(request: unknown): InvalidRequestError {
  try {
    decodeMessagesRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("expected the body to be rejected");
}

describe("decodeMessagesRequest with Claude Code's requests", () => {
  it("accepts the first request: system turns stay in place, deferred tools are not offered", () => {
    const { request, thinking } = decodeMessagesRequest(body);
    expect(thinking).toBe(true);
    expect(request.stream).toBe(true);
    expect(request.user).toBe(body.metadata.user_id);
    expect(request.options).toEqual({ maxTokens: 32000 });
    expect(request.messages).toEqual([
      { role: "system", content: "billing header\n\nYou are an agent.\n\nUse tools well." },
      {
        role: "user",
        content: [
          { type: "text", text: "<system-reminder>context</system-reminder>" },
          { type: "text", text: "Say hello with Bash." },
        ],
      },
      { role: "system", content: "Environment: linux, cwd /tmp." },
    ]);
    expect(request.tools.map((tool) => tool.name)).toEqual(["Bash", "ToolSearch"]);
    expect(request.tools[0]!.parameters).toEqual(tools[0]!.input_schema);
  });

  it("loads a deferred tool once a tool_reference names it, and reads signed thinking and string system turns", () => {
    const { request } = decodeMessagesRequest({ ...body, messages: searchTurns });
    expect(request.tools.map((tool) => tool.name)).toEqual(["Bash", "ToolSearch", "WebFetch"]);
    expect(request.messages.slice(3)).toEqual([
      {
        role: "assistant",
        content: null,
        reasoning: "I need a fetch tool.",
        toolCalls: [{ id: "toolu_search", name: "ToolSearch", arguments: '{"query":"select:WebFetch"}' }],
      },
      {
        role: "tool",
        toolCallId: "toolu_search",
        name: "ToolSearch",
        content: 'Tool "WebFetch" is loaded: it is now among your tools and can be called.',
      },
      { role: "system", content: "Tools were loaded." },
    ]);
  });

  it("says what to fix for references to undeclared tools, choices of unloaded ones and non-text system turns", () => {
    const unknown = structuredClone(searchTurns);
    (unknown[3] as { content: { content: { tool_name: string }[] }[] }).content[0]!.content[0]!.tool_name = "Nope";
    const reference = rejection({ ...body, messages: unknown });
    expect(reference.param).toBe("messages.3.content.0.content.0.tool_name");
    expect(reference.message).toContain('"Nope" is not in \'tools\'');

    const choice = rejection({ ...body, tool_choice: { type: "tool", name: "WebFetch" } });
    expect(choice.param).toBe("tool_choice.name");
    expect(choice.message).toContain("defer_loading");
    const loaded = decodeMessagesRequest({ ...body, messages: searchTurns, tool_choice: { type: "tool", name: "WebFetch" } });
    expect(loaded.request.toolChoice).toEqual({ type: "function", name: "WebFetch" });

    const image = { type: "image", source: { type: "url", url: "https://x/y.png" } };
    const system = rejection({ ...body, messages: [firstTurns[0], { role: "system", content: [image] }] });
    expect(system.param).toBe("messages.1.content.0.type");
  });
});

describe("countMessageTokens with images in tool results", () => {
  it("counts an image a tool returned like one the user sent", () => {
    const image = { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } };
    const turns = (content: unknown[]) => [
      { role: "user", content: "Look" },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "shot" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content }] },
    ];
    const withImage = countMessageTokens({ model: "m", tools, messages: turns([{ type: "text", text: "ok" }, image]) });
    const without = countMessageTokens({ model: "m", tools, messages: turns([{ type: "text", text: "ok" }]) });
    expect(withImage.input_tokens - without.input_tokens).toBe(1600);
  });
});

describe("createMessage with Claude Code's requests", () => {
  const context = (upstream: ReturnType<typeof createReplayUpstream>) => ({ upstream, upstreamModel: "replay", signal: new AbortController().signal });

  it("renders the mid-conversation system text in place, and lists a deferred tool only once loaded", async () => {
    const upstream = createReplayUpstream({ responses: [{ text: "Hello." }, { text: "Hello." }] });
    await drain(await createMessage(body, context(upstream)));
    const first = JSON.stringify(upstream.requests[0]!.messages);
    expect(first).toMatch(/Say hello with Bash\.[^"]*<system_instructions>\\nEnvironment: linux, cwd \/tmp\.\\n<\/system_instructions>/);
    expect(first).not.toContain("WebFetch");
    expect(first).not.toContain("DeferredToolPlaceholder");

    await drain(await createMessage({ ...body, messages: searchTurns }, context(upstream)));
    const second = JSON.stringify(upstream.requests[1]!.messages);
    expect(second).toContain("WebFetch");
    expect(second).not.toContain("DeferredToolPlaceholder");
  });

  it("a call to a deferred tool that was never loaded is no call", async () => {
    const call = '<call:{{nonce}}>{"name":"WebFetch","arguments":{"url":"https://example.com"}}</call:{{nonce}}>';
    // The model is asked once more, told the tool is not declared; a second invented call ends in an error, not a call.
    const repaired = createReplayUpstream({ responses: [{ text: call }, { text: "I will search for it first." }] });
    const result = await createMessage({ ...body, stream: false }, context(repaired));
    if (result.stream) throw new Error("expected a message");
    expect(result.message.content).toEqual([{ type: "text", text: "I will search for it first." }]);
    expect(repaired.requests[1]!.messages.at(-1)?.content).toContain('"WebFetch", which is not a declared tool');

    const stubborn = createReplayUpstream({ responses: [{ text: call }, { text: call }] });
    await expect(createMessage({ ...body, stream: false }, context(stubborn))).rejects.toMatchObject({ status: 502, code: "unknown_tool" });
  });
});

async function drain(result: Awaited<ReturnType<typeof createMessage>>): Promise<void> {
  if (result.stream) for await (const _event of result.events);
}
