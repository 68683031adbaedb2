import { describe, expect, it } from "vitest";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { defaultDialect } from "../dialect/default-dialect.js";
import { buildUpstreamRequest } from "./build-upstream-request.js";

const request = decodeChatCompletionRequest({
  model: "m",
  messages: [{ role: "user", content: "Weather in Oslo?" }],
  tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }],
  response_format: { type: "json_object" },
});
const parts = { dialect: defaultDialect, nonce: "n0nce42", context: { upstreamModel: "upstream-m", requestId: "req-1" } };
const repair = [{ role: "user" as const, content: [{ type: "text" as const, text: "Try again." }] }];

describe("buildUpstreamRequest", () => {
  it("emulate: the tools go into the prompt with the request's nonce, none are passed as tools; repair turns follow", () => {
    const upstream = buildUpstreamRequest(request, repair, "emulate", parts);
    expect(upstream).toMatchObject({ model: "upstream-m", requestId: "req-1" });
    expect(upstream.tools).toBeUndefined();
    const prompt = JSON.stringify(upstream.messages);
    expect(prompt).toContain("get_weather");
    expect(prompt).toContain("n0nce42");
    expect(prompt).toContain("Try again.");
    // The caller's request is left as it was.
    expect(request.messages).toHaveLength(1);
  });

  it("native: tools, tool choice and response format pass through, messages untouched", () => {
    const upstream = buildUpstreamRequest(request, [], "native", parts);
    expect(upstream.tools?.map((tool) => tool.name)).toEqual(["get_weather"]);
    expect(upstream.toolChoice).toEqual(request.toolChoice);
    expect(upstream.responseFormat).toEqual(request.responseFormat);
    expect(upstream.messages).toEqual(request.messages);
    expect(JSON.stringify(upstream.messages)).not.toContain("n0nce42");
  });
});
