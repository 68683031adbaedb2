import { describe, expect, it } from "vitest";
import { decodeMessagesRequest } from "../anthropic/decode-messages-request.js";
import { decodeChatCompletionRequest } from "../chat/decode-chat-completion-request.js";
import { InvalidRequestError } from "../errors.js";
import { decodeResponsesRequest } from "../responses/decode-responses-request.js";

async function rejection(run: () => unknown): Promise<InvalidRequestError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error("the request was accepted");
}

const hostile: [string, Record<string, unknown>, string][] = [
  ["allOf: 7", { type: "object", allOf: 7 }, "#/allOf"],
  ["a pattern that is not a regex", { type: "object", properties: { a: { type: "string", pattern: "([" } } }, "#/properties/a/pattern"],
  ["an unresolvable $ref", { type: "object", properties: { a: { $ref: "#/$defs/nope" } } }, "#/properties/a/$ref"],
  ["a $ref to itself", { type: "object", properties: { a: { $ref: "#/properties/a" } } }, "#/properties/a/$ref"],
];

describe("tool schemas are compiled when the request is decoded", () => {
  it.each(hostile)("Chat Completions: %s is a 400 naming the tool and the pointer", async (_, parameters, pointer) => {
    const error = await rejection(() =>
      decodeChatCompletionRequest({ model: "m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "t", parameters } }] }),
    );
    expect(error.param).toBe("tools[0].function.parameters");
    expect(error.code).toBe("invalid_function_parameters");
    expect(error.message).toContain(`Invalid schema for function 't': at ${pointer}: `);
  });

  it.each(hostile)("Responses: %s is a 400 naming the tool and the pointer", async (_, parameters, pointer) => {
    const error = await rejection(() => decodeResponsesRequest({ model: "m", input: "hi", tools: [{ type: "function", name: "t", parameters }] }));
    expect(error.param).toBe("tools[0].parameters");
    expect(error.message).toContain(`Invalid schema for function 't': at ${pointer}: `);
  });

  it.each(hostile)("Anthropic Messages: %s is a 400 naming the tool and the pointer", async (_, parameters, pointer) => {
    const error = await rejection(() =>
      decodeMessagesRequest({ model: "m", max_tokens: 10, messages: [{ role: "user", content: "hi" }], tools: [{ name: "t", input_schema: parameters }] }),
    );
    expect(error.param).toBe("tools.0.input_schema");
    expect(error.message).toMatch(new RegExp(`^tools\\.0\\.input_schema: JSON schema is invalid for tool "t" at ${pointer.replace(/\$/g, "\\$")}: `));
  });

  it("checks response_format schemas, strict ones by OpenAI's rules", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const loose = await rejection(() =>
      decodeChatCompletionRequest({ model: "m", messages, response_format: { type: "json_schema", json_schema: { name: "r", schema: { anyOf: 1 } } } }),
    );
    expect(loose).toMatchObject({ param: "response_format.json_schema.schema", message: "Invalid schema for response_format 'r': at #/anyOf: 'anyOf' must be a non-empty array of schemas." });
    const strict = await rejection(() =>
      decodeResponsesRequest({ model: "m", input: "hi", text: { format: { type: "json_schema", name: "r", strict: true, schema: { type: "object", properties: {} } } } }),
    );
    expect(strict.message).toBe("Invalid schema for response_format 'r': In context=(), 'additionalProperties' is required to be supplied and to be false.");
  });

  it("gives strict tools OpenAI's own 400 on both OpenAI APIs", async () => {
    const parameters = { type: "object", properties: { city: { type: "string" }, unit: { type: "string" } }, required: ["city"], additionalProperties: false };
    const chat = await rejection(() =>
      decodeChatCompletionRequest({ model: "m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "w", parameters, strict: true } }] }),
    );
    const expected = "Invalid schema for function 'w': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'unit'.";
    expect(chat).toMatchObject({ status: 400, type: "invalid_request_error", param: "tools[0].function.parameters", code: "invalid_function_parameters", message: expected });
    const responses = await rejection(() => decodeResponsesRequest({ model: "m", input: "hi", tools: [{ type: "function", name: "w", parameters, strict: true }] }));
    expect(responses).toMatchObject({ param: "tools[0].parameters", code: "invalid_function_parameters", message: expected });
    const accepted = decodeChatCompletionRequest({ model: "m", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "w", parameters } }] });
    expect(accepted.tools[0]?.strict).toBe(false);
  });
  it("refuses patterns RE2 cannot run in strict schemas only", async () => {
    const parameters = { type: "object", properties: { pin: { type: "string", pattern: "^(?=.*[0-9]).{4}$" } }, required: ["pin"], additionalProperties: false };
    const messages = [{ role: "user", content: "hi" }];
    const strict = await rejection(() => decodeChatCompletionRequest({ model: "m", messages, tools: [{ type: "function", function: { name: "w", parameters, strict: true } }] }));
    expect(strict.message).toMatch(/^Invalid schema for function 'w': at #\/properties\/pin\/pattern: 'pattern' .* backreference or lookaround/);
    expect(decodeChatCompletionRequest({ model: "m", messages, tools: [{ type: "function", function: { name: "w", parameters } }] }).tools).toHaveLength(1);
    const anthropic = decodeMessagesRequest({ model: "m", max_tokens: 5, messages, tools: [{ name: "w", input_schema: parameters }] });
    expect(anthropic.request.tools).toHaveLength(1);
  });
  it("bounds what compiling one request's schemas may cost, across all its tools", async () => {
    const tool = (t: number) => ({
      type: "function",
      function: { name: `t${t}`, parameters: { type: "object", properties: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, { pattern: `^${t}-${i}$` }])) } },
    });
    const messages = [{ role: "user", content: "hi" }];
    expect(decodeChatCompletionRequest({ model: "m", messages, tools: Array.from({ length: 9 }, (_, t) => tool(t)) }).tools).toHaveLength(9);
    const error = await rejection(() => decodeChatCompletionRequest({ model: "m", messages, tools: Array.from({ length: 12 }, (_, t) => tool(100 + t)) }));
    expect(error).toMatchObject({ param: "tools[10].function.parameters" });
    expect(error.message).toMatch(/^Invalid schema for function 't110': at #\/properties\/p\d+: brings the request's schemas to more than 1000 patterns/);
  });
});
