import { describe, expect, it } from "vitest";
import { createChatCompletion } from "../engine/create-chat-completion.js";
import { createReplayUpstream } from "../testing/create-replay-upstream.js";
import { checksOutputFormat, OutputFormatCheck } from "./output-format-check.js";

const schema = { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false };
const strict = { responseFormat: { type: "json_schema", name: "r", schema, strict: true } } as const;

describe("OutputFormatCheck", () => {
  it("applies to strict json_schema formats only", () => {
    expect(checksOutputFormat(strict)).toBe(true);
    expect(checksOutputFormat({ responseFormat: { type: "json_schema", name: "r", schema } })).toBe(false);
    expect(checksOutputFormat({ responseFormat: { type: "json_object" } })).toBe(false);
    expect(checksOutputFormat({})).toBe(false);
  });

  it("says why an answer is not the JSON the schema asks for", () => {
    const check = OutputFormatCheck.of(strict);
    expect(check?.problem(' {"n": 1}\n')).toBeNull();
    expect(check?.problem('{"n": 1.5}')).toMatch(/^it .*\/n/);
    expect(check?.problem('```json\n{"n": 1}\n```')).toMatch(/code fence/);
    expect(check?.problem('{"n": 1} and more')).toMatch(/not valid JSON/);
    expect(check?.problem("")).toBe("it is empty");
    expect(check?.problem(`${"[".repeat(200)}${"]".repeat(200)}`)).toMatch(/nests deeper/);
  });
});

describe("a strict response_format on Chat Completions", () => {
  it("asks again for an answer that breaks the schema, streamed or not", async () => {
    for (const stream of [false, true]) {
      const upstream = createReplayUpstream({ responses: [{ text: '{"n": "one"}', chunkSize: 3 }, { text: '{"n": 1}', chunkSize: 3 }] });
      const body = {
        model: "m",
        stream,
        messages: [{ role: "user", content: "one?" }],
        response_format: { type: "json_schema", json_schema: { name: "r", schema, strict: true } },
      };
      const result = await createChatCompletion(body, { upstream, upstreamModel: "replay", signal: new AbortController().signal });
      let content = "";
      if (result.stream) {
        for await (const chunk of result.chunks) content += chunk.choices[0]?.delta.content ?? "";
      } else {
        content = result.response.choices[0]?.message.content ?? "";
      }
      expect(content).toBe('{"n": 1}');
      expect(upstream.requests).toHaveLength(2);
    }
  });
});
