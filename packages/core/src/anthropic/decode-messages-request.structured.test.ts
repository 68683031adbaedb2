import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../errors.js";
import { decodeMessagesRequest } from "./decode-messages-request.js";
import { estimateInputTokens } from "./estimate-input-tokens.js";

const base = { model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };
const weather = {
  type: "object",
  properties: { city: { type: "string" }, unit: { type: "string", enum: ["c", "f"] } },
  required: ["city"],
  additionalProperties: false,
};

function rejection(body: Record<string, unknown>): InvalidRequestError {
  try {
    decodeMessagesRequest(body);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error;
    throw error;
  }
  throw new Error("the request was accepted");
}

describe("Anthropic strict tools", () => {
  it("become strict canonical tools, with Anthropic's rules (optional properties allowed)", () => {
    const { request } = decodeMessagesRequest({ ...base, tools: [{ name: "w", input_schema: weather, strict: true }, { name: "loose", input_schema: { type: "object" } }] });
    expect(request.tools.map((tool) => [tool.name, tool.strict])).toEqual([["w", true], ["loose", false]]);
  });

  it("are a 400 in Anthropic's shape naming the tool and the pointer when the schema breaks the rules", () => {
    const schema = { ...weather, properties: { ...weather.properties, days: { type: "integer", minimum: 1 } } };
    const error = rejection({ ...base, tools: [{ name: "w", input_schema: weather }, { name: "forecast", input_schema: schema, strict: true }] });
    expect(error).toMatchObject({ status: 400, type: "invalid_request_error", param: "tools.1.input_schema" });
    expect(error.message).toBe(
      "tools.1.input_schema: JSON schema is invalid for tool \"forecast\" at #/properties/days: 'minimum' is not supported in strict schemas; state the constraint in 'description' instead.",
    );
    const open = rejection({ ...base, tools: [{ name: "w", input_schema: { type: "object", properties: {} }, strict: true }] });
    expect(open.message).toBe("tools.0.input_schema: JSON schema is invalid for tool \"w\" at #: 'additionalProperties' is required to be supplied and to be false.");
    // The same schema without strict is accepted: only strict promises every keyword is enforced.
    expect(decodeMessagesRequest({ ...base, tools: [{ name: "forecast", input_schema: schema }] }).request.tools).toHaveLength(1);
  });

  it("are at most 20 per request", () => {
    const tools = Array.from({ length: 21 }, (_, i) => ({ name: `t${i}`, input_schema: { type: "object", properties: {}, additionalProperties: false }, strict: true }));
    expect(rejection({ ...base, tools })).toMatchObject({ param: "tools.20.strict", message: expect.stringMatching(/^tools\.20\.strict: at most 20 tools/) });
  });
});

describe("Anthropic JSON outputs", () => {
  it("output_config.format becomes the canonical strict json_schema response format; effort is ignored", () => {
    const { request } = decodeMessagesRequest({ ...base, output_config: { effort: "high", format: { type: "json_schema", schema: weather } } });
    expect(request.responseFormat).toEqual({ type: "json_schema", name: "output", schema: weather, strict: true });
    expect(decodeMessagesRequest({ ...base, output_config: { effort: "high" } }).request.responseFormat).toBeUndefined();
  });

  it("counts the schema in the input token estimate (count_tokens)", () => {
    const plain = decodeMessagesRequest(base, { forCounting: true }).request;
    const formatted = decodeMessagesRequest({ ...base, output_config: { format: { type: "json_schema", schema: weather } } }, { forCounting: true }).request;
    expect(estimateInputTokens(formatted) - estimateInputTokens(plain)).toBe(Math.ceil(JSON.stringify(weather).length / 4));
  });

  it("accepts the beta's output_format, but not both at once", () => {
    const { request } = decodeMessagesRequest({ ...base, output_format: { type: "json_schema", schema: weather } });
    expect(request.responseFormat).toMatchObject({ type: "json_schema", schema: weather });
    const both = rejection({ ...base, output_format: { type: "json_schema", schema: weather }, output_config: { format: { type: "json_schema", schema: weather } } });
    expect(both).toMatchObject({ param: "output_format" });
  });

  it("checks the schema when the request is decoded, with a pointer", () => {
    const recursive = { ...weather, properties: { ...weather.properties, next: { $ref: "#" } } };
    const error = rejection({ ...base, output_config: { format: { type: "json_schema", schema: recursive } } });
    expect(error).toMatchObject({ param: "output_config.format.schema" });
    expect(error.message).toMatch(/^output_config\.format\.schema: Invalid schema for the output format at #\/properties\/next\/\$ref: recursive schemas are not supported/);
    const beta = rejection({ ...base, output_format: { type: "json_schema", schema: { type: "string" } } });
    expect(beta.message).toBe(`output_format.schema: Invalid schema for the output format at #: schema must be a JSON Schema of 'type: "object"', got 'type: "string"'.`);
    const shape = rejection({ ...base, output_config: { format: { type: "json", schema: weather } } });
    expect(shape).toMatchObject({ param: "output_config.format.type" });
    expect(shape.message).toMatch(/^output_config\.format\.type: must be "json_schema"/);
  });

  it("counts optional properties across the tools and the output format together", () => {
    const optional = (prefix: string, n: number) => ({
      type: "object",
      properties: Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, { type: "string" }])),
      additionalProperties: false,
    });
    const error = rejection({ ...base, tools: [{ name: "t", input_schema: optional("a", 20), strict: true }], output_config: { format: { type: "json_schema", schema: optional("b", 5) } } });
    expect(error).toMatchObject({ param: "output_config.format.schema", message: expect.stringContaining("more than 24 optional parameters") });
  });
});
