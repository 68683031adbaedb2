import Anthropic from "@anthropic-ai/sdk";
import { jsonSchemaOutputFormat } from "@anthropic-ai/sdk/helpers/json-schema";
import { beforeEach, describe, expect, it } from "vitest";
import { type Gateway, MODEL, gatewayForFile, replyWithCalls, startGateway } from "./__fixtures__/responses-anthropic-gateway.js";

/** Anthropic's structured outputs (strict tool use and JSON outputs) through the real server, with the real SDK. */

const forecast: Anthropic.Tool = {
  name: "get_forecast",
  description: "Forecast for a city",
  strict: true,
  input_schema: {
    type: "object",
    properties: { city: { type: "string" }, days: { type: "integer" } },
    required: ["city", "days"],
    additionalProperties: false,
  },
};
const question: Anthropic.MessageParam = { role: "user", content: "Forecast for Oslo, two days?" };
const answerSchema = {
  type: "object",
  properties: { city: { type: "string" }, temperature_c: { type: "integer" } },
  required: ["city", "temperature_c"],
  additionalProperties: false,
} as const;

let gateway: Gateway;
let client: Anthropic;
gatewayForFile(startGateway, (started) => {
  gateway = started;
  client = new Anthropic({ baseURL: gateway.server.url, apiKey: "unused", maxRetries: 0 });
});

/** The model first passes `days` as a string (which the schema forbids), then corrects itself when told why. */
function invalidThenValid(): void {
  gateway.double.enqueue(
    (request) => replyWithCalls(request, [{ name: "get_forecast", arguments: { city: "Oslo", days: "two" } }]),
    (request) => replyWithCalls(request, [{ name: "get_forecast", arguments: { city: "Oslo", days: 2 } }]),
  );
}

function toolUseOf(message: Anthropic.Message): Anthropic.ToolUseBlock {
  const block = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use");
  if (!block) throw new Error(`no tool_use block in ${JSON.stringify(message.content)}`);
  return block;
}

beforeEach(() => {
  gateway.double.script("unscripted");
});

describe("strict tool use with @anthropic-ai/sdk", () => {
  it("messages.create never receives the invalid first attempt: toolshim asks the model again", async () => {
    invalidThenValid();
    const before = gateway.double.chatRequests().length;
    const message = await client.messages.create({ model: MODEL, max_tokens: 256, tools: [forecast], messages: [question] });
    expect(message.stop_reason).toBe("tool_use");
    expect(toolUseOf(message).input).toEqual({ city: "Oslo", days: 2 });
    const requests = gateway.double.chatRequests().slice(before);
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(requests[1]?.body)).toContain("/days");
  });

  it("messages.stream() sees only the valid input's JSON deltas", async () => {
    invalidThenValid();
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, tools: [forecast], messages: [question] });
    let json = "";
    stream.on("inputJson", (delta) => {
      json += delta;
    });
    const final = await stream.finalMessage();
    expect(JSON.parse(json)).toEqual({ city: "Oslo", days: 2 });
    expect(toolUseOf(final).input).toEqual({ city: "Oslo", days: 2 });
  });

  it("a strict schema Anthropic would refuse is a 400 the SDK raises as BadRequestError", async () => {
    const loose = { ...forecast, input_schema: { ...forecast.input_schema, properties: { city: { type: "string", minLength: 2 } }, required: ["city"] } };
    const error = await client.messages.create({ model: MODEL, max_tokens: 256, tools: [loose], messages: [question] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: expect.stringMatching(/^tools\.0\.input_schema: JSON schema is invalid for tool "get_forecast" at #\/properties\/city: 'minLength' is not supported/),
      },
    });
  });
});

describe("JSON outputs (output_config.format) with @anthropic-ai/sdk", () => {
  const format = { type: "json_schema" as const, schema: answerSchema };

  it("messages.create: the text block is JSON matching the schema, the fenced first attempt asked for again", async () => {
    gateway.double.enqueue('```json\n{"city": "Oslo", "temperature_c": 4}\n```', '{"city": "Oslo", "temperature_c": 4}');
    const message = await client.messages.create({ model: MODEL, max_tokens: 256, messages: [question], output_config: { format } });
    expect(message.stop_reason).toBe("end_turn");
    expect(message.content).toEqual([{ type: "text", text: '{"city": "Oslo", "temperature_c": 4}' }]);
    const prompt = JSON.stringify(gateway.double.chatRequests().at(-2)?.body);
    expect(prompt).toContain("temperature_c");
  });

  it("messages.stream(): only the checked answer streams", async () => {
    gateway.double.enqueue('{"city": "Oslo", "temperature_c": "cold"}', '{"city": "Oslo", "temperature_c": 4}');
    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: [question], output_config: { format } });
    let text = "";
    stream.on("text", (delta) => {
      text += delta;
    });
    const final = await stream.finalMessage();
    expect(text).toBe('{"city": "Oslo", "temperature_c": 4}');
    expect(final.stop_reason).toBe("end_turn");
  });

  it("messages.parse() with jsonSchemaOutputFormat gives parsed_output", async () => {
    gateway.double.enqueue('{"city": "Oslo", "temperature_c": 4}');
    const message = await client.messages.parse({ model: MODEL, max_tokens: 256, messages: [question], output_config: { format: jsonSchemaOutputFormat(answerSchema) } });
    expect(message.parsed_output).toEqual({ city: "Oslo", temperature_c: 4 });
  });

  it("the beta's output_format through client.beta.messages, with the structured-outputs beta header", async () => {
    gateway.double.enqueue('{"city": "Oslo", "temperature_c": 4}');
    const message = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 256,
      betas: ["structured-outputs-2025-11-13"],
      messages: [question],
      output_format: { type: "json_schema", schema: answerSchema },
    });
    expect(message.content).toEqual([{ type: "text", text: '{"city": "Oslo", "temperature_c": 4}' }]);
    expect(JSON.stringify(gateway.double.chatRequests().at(-1)?.body)).toContain("temperature_c");
  });

  it("an answer that never matches ends in an error the SDK raises, not in invalid JSON", async () => {
    gateway.double.enqueue("It is cold.", "Still cold.");
    const error = await client.messages.create({ model: MODEL, max_tokens: 256, messages: [question], output_config: { format } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
  });
});
