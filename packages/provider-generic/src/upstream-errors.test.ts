import { describe, expect, it } from "vitest";
import { isToolsRejection, upstreamMessage } from "./upstream-errors.js";

describe("upstreamMessage", () => {
  it.each([
    ['{"error":{"message":"context too long","type":"invalid_request_error"}}', "context too long"],
    ['{"error":"gemma:2b does not support tools"}', "gemma:2b does not support tools"],
    ['{"object":"error","message":"\\"auto\\" tool choice requires --enable-auto-tool-choice","type":"BadRequestError","code":400}', '"auto" tool choice requires --enable-auto-tool-choice'],
    ['{"detail":"Not Found"}', "Not Found"],
    ["<html>Bad Gateway</html>\n", "<html>Bad Gateway</html>"],
    ["", "(empty response body)"],
  ])("reads %s", (body, message) => {
    expect(upstreamMessage(body)).toBe(message);
  });
});

describe("isToolsRejection", () => {
  const context = { provider: "p", model: "m", toolsSent: true };
  it("recognises the messages of servers without tool support", () => {
    expect(isToolsRejection(400, "registry.ollama.ai/library/gemma:2b does not support tools", context)).toBe(true);
    expect(isToolsRejection(400, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', context)).toBe(true);
    expect(isToolsRejection(500, "tools param requires --jinja flag", context)).toBe(true);
  });
  it("ignores other failures, auth and rate limits, and requests without tools", () => {
    expect(isToolsRejection(400, "maximum context length is 4096 tokens", context)).toBe(false);
    expect(isToolsRejection(429, "too many tool calls", context)).toBe(false);
    expect(isToolsRejection(503, "tools backend down", context)).toBe(false);
    expect(isToolsRejection(400, "does not support tools", { ...context, toolsSent: false })).toBe(false);
  });
});
