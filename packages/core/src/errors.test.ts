import { describe, expect, it } from "vitest";
import { InvalidRequestError, ToolshimError, toToolshimError } from "./errors.js";
import { UpstreamError } from "./upstream.js";

describe("errors", () => {
  it("renders an invalid request as OpenAI's error body with the offending param", () => {
    const error = new InvalidRequestError("Invalid 'tools[0].function.name': must be a string.", "tools[0].function.name");
    expect(error.status).toBe(400);
    expect(error.toOpenAI()).toEqual({
      error: {
        message: "Invalid 'tools[0].function.name': must be a string.",
        type: "invalid_request_error",
        param: "tools[0].function.name",
        code: "invalid_value",
      },
    });
  });

  it("types upstream errors by status", () => {
    expect(new UpstreamError("slow down", { status: 429, retryable: true }).type).toBe("rate_limit_error");
    expect(new UpstreamError("bad gateway", { status: 502, retryable: true }).type).toBe("server_error");
  });

  it("hides unexpected failures behind a 500", () => {
    const wrapped = toToolshimError(new TypeError("secret internals"));
    expect(wrapped).toBeInstanceOf(ToolshimError);
    expect(wrapped.status).toBe(500);
    expect(wrapped.message).not.toContain("secret");
  });
});
