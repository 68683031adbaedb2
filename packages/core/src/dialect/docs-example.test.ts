import { readFileSync, writeFileSync } from "node:fs";
import { expect, it } from "vitest";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { defaultDialect } from "./default-dialect.js";
import { rewriteForEmulation } from "./rewrite-for-emulation.js";

// apps/docs/dialect.md shows what the default dialect really sends. This test renders the same request and compares;
// run it with TOOLSHIM_UPDATE_DOCS=1 to rewrite the example after changing the dialect.
const page = new URL("../../../../apps/docs/dialect.md", import.meta.url);
const BEGIN = "<!-- generated:rewrite-example -->";
const END = "<!-- /generated:rewrite-example -->";

const body = {
  model: "deepseek-chat",
  messages: [
    { role: "system", content: "You are a concise travel assistant." },
    { role: "user", content: "Is it warmer in Paris or in Rome right now?" },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_8Hq2xV", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } },
        { id: "call_3kLm9Z", type: "function", function: { name: "get_weather", arguments: '{"city": "Rome"}' } },
      ],
    },
    { role: "tool", tool_call_id: "call_8Hq2xV", content: '{"temperature_c": 14, "sky": "overcast"}' },
    { role: "tool", tool_call_id: "call_3kLm9Z", content: '{"temperature_c": 21, "sky": "sunny"}' },
  ],
  tools: [
    {
      type: "function",
      function: {
        name: "get_weather",
        description: "Current weather for a city.",
        parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
      },
    },
    {
      type: "function",
      function: {
        name: "mcp__search__web",
        description: "Search the web.",
        parameters: { type: "object", properties: { query: { type: "string" }, limit: { type: "integer", minimum: 1 } }, required: ["query"] },
      },
    },
  ],
  tool_choice: "auto",
};

function renderExample(): string {
  const messages = rewriteForEmulation(decodeChatCompletionRequest(body), { dialect: defaultDialect, nonce: "q7x2m9k4pw", systemRole: true });
  const turns = messages.map((message) => `──── ${message.role} ────\n${message.content}`).join("\n\n");
  return `${BEGIN}\n\`\`\`text\n${turns}\n\`\`\`\n${END}`;
}

it("apps/docs/dialect.md shows the prompt the default dialect really renders", () => {
  const text = readFileSync(page, "utf8");
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  expect(start).toBeGreaterThanOrEqual(0);
  const current = text.slice(start, end + END.length);
  const expected = renderExample();
  if (process.env.TOOLSHIM_UPDATE_DOCS === "1" && current !== expected) {
    writeFileSync(page, text.replace(current, expected));
    return;
  }
  expect(current).toBe(expected);
});
