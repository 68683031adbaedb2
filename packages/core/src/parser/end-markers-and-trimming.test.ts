import { describe, expect, it } from "vitest";
import type { ScanContext } from "../dialect/dialect.js";
import type { ScanSegment } from "./check-scan-events.js";
import { cutAt, scanChecked, tool } from "./scan-harness.js";

/**
 * Vectors written for toolshim that reproduce cases of other projects' own parser tests (facts about what models
 * write and what those parsers return; no code of theirs). Sources:
 * - R1: ggml-org/llama.cpp tests/test-chat.cpp (DeepSeek R1 cases opened with `<｜tool▁calls｜>`, the token the
 *   R1-distill models write instead of `<｜tool▁calls▁begin｜>`, with no `<｜tool▁call▁begin｜>`), and its
 *   common/chat-parser.cpp, whose calls-block opener list has that token.
 * - Qwen3-Coder: ggml-org/llama.cpp tests/test-chat.cpp Qwen3-Coder XML cases (indented parameter values come out
 *   trimmed: the format sets `trim_raw_argval`).
 * - MiniMax-M2: vllm-project/vllm vllm/tool_parsers/minimax_m2_tool_parser.py strips parameter values.
 * - GLM 4.5: vllm-project/vllm tests/tool_parsers/test_glm4_moe_tool_parser.py keeps string values as written.
 */

const context: ScanContext = {
  nonce: "n0nce0n0nc",
  tools: [
    tool("special_function", { arg1: { type: "integer" } }),
    tool("get_weather", { city: { type: "string" } }),
    tool("python", { code: { type: "string" } }),
  ],
};

/** The summary of the whole text, after checking that every two-chunk split and one character at a time agree. */
function scan(text: string): ScanSegment[] {
  const whole = scanChecked(context, [text]);
  for (let at = 1; at < text.length; at++) expect(scanChecked(context, cutAt(text, [at])), `split at ${at}`).toEqual(whole);
  expect(scanChecked(context, [...text]), "one character at a time").toEqual(whole);
  return whole;
}

const call = (name: string, args: string): ScanSegment => ({ type: "call", name, arguments: args });
const FENCED = (name: string, args: string): string => `function<｜tool▁sep｜>${name}\n\`\`\`json\n${args}\n\`\`\``;

describe("DeepSeek R1-distill: <｜tool▁calls｜> without <｜tool▁call▁begin｜>", () => {
  it("does not leak the call's end marker into content (llama.cpp test-chat.cpp)", () => {
    const text = `<｜tool▁calls｜>${FENCED("special_function", '{"arg1": 1}')}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`;
    expect(scan(text)).toEqual([call("special_function", '{"arg1": 1}')]);
  });

  it("reads the next call whether or not it has its own begin token", () => {
    const next = [`<｜tool▁call▁begin｜>${FENCED("get_weather", '{"city": "Oslo"}')}`, FENCED("get_weather", '{"city": "Oslo"}')];
    for (const second of next) {
      const text = `<｜tool▁calls｜>${FENCED("special_function", '{"arg1": 1}')}<｜tool▁call▁end｜>\n${second}<｜tool▁call▁end｜><｜tool▁calls▁end｜>`;
      expect(scan(text)).toEqual([call("special_function", '{"arg1": 1}'), call("get_weather", '{"city": "Oslo"}')]);
    }
  });

  it("keeps reasoning before and text after the block, without the markers", () => {
    const text = `<think>I'm\nthinking</think>\n\n<｜tool▁calls｜>${FENCED("special_function", '{"arg1": 1}')}<｜tool▁call▁end｜><｜tool▁calls▁end｜>Done.`;
    expect(scan(text)).toEqual([
      { type: "reasoning", text: "I'm\nthinking" },
      call("special_function", '{"arg1": 1}'),
      { type: "text", text: "Done." },
    ]);
  });

  it("also for the V3.1 form and for a block whose end token never came", () => {
    expect(scan('<｜tool▁calls｜>get_weather<｜tool▁sep｜>{"city": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>')).toEqual([
      call("get_weather", '{"city": "Paris"}'),
    ]);
    expect(scan(`<｜tool▁calls▁begin｜>${FENCED("special_function", '{"arg1": 2}')}<｜tool▁call▁end｜>`)).toEqual([
      call("special_function", '{"arg1": 2}'),
    ]);
  });

  it("leaves the same tokens as text where no call can be (no declared tool named)", () => {
    const text = `<｜tool▁calls｜>${FENCED("delete_everything", "{}")}<｜tool▁call▁end｜>`;
    expect(scan(text).some((segment) => segment.type === "call")).toBe(false);
  });
});

describe("raw parameter values: trimmed where the format's reference parser trims", () => {
  it("Qwen3-Coder: indentation and newlines around a value are markup (llama.cpp trim_raw_argval)", () => {
    const text = "<tool_call>\n  <function=get_weather>\n    <parameter=city>\n      Paris  \n    </parameter>\n  </function>\n</tool_call>";
    expect(scan(text)).toEqual([call("get_weather", '{"city": "Paris"}')]);
  });

  it("Qwen3-Coder: indentation inside a multi-line value is kept; a blank value is empty", () => {
    const code = "<function=python>\n<parameter=code>\n    def f():\n        return 1\n\n</parameter>\n</function>";
    expect(scan(code)).toEqual([call("python", '{"code": "def f():\\n        return 1"}')]);
    expect(scan("<function=python>\n<parameter=code>\n \t\n</parameter>\n</function>")).toEqual([call("python", '{"code": ""}')]);
  });

  it("Qwen3-Coder: a value with no closing tag is trimmed too", () => {
    const text = "<tool_call>\n<function=get_weather>\n<parameter=city>\n  Dallas \n</function>\n</tool_call>";
    expect(scan(text)).toEqual([call("get_weather", '{"city": "Dallas"}')]);
  });

  it("Qwen3-Coder: a typed value that does not convert stays a trimmed string", () => {
    const text = "<function=special_function>\n<parameter=arg1>\n  one \n</parameter>\n</function>";
    expect(scan(text)).toEqual([call("special_function", '{"arg1": "one"}')]);
  });

  it("MiniMax-M2 <invoke>: values are stripped (vLLM minimax_m2 parser)", () => {
    const text = '<minimax:tool_call>\n<invoke name="get_weather">\n<parameter name="city">  Seattle \n</parameter>\n</invoke>\n</minimax:tool_call>';
    expect(scan(text)).toEqual([call("get_weather", '{"city": "Seattle"}')]);
  });

  it("GLM 4.5: a string value keeps its spaces; only the markup's newlines go (vLLM glm4_moe parser)", () => {
    const text = "<tool_call>get_weather\n<arg_key>city</arg_key>\n<arg_value> Beijing </arg_value>\n</tool_call>";
    expect(scan(text)).toEqual([call("get_weather", '{"city": " Beijing "}')]);
  });
});

describe("end-of-turn tokens written after a call are not content", () => {
  // Each format's own closing token, as its chat template (and llama.cpp's preserved tokens) has it.
  it.each([
    ["Seed-OSS", "<seed:tool_call>\n<function=special_function>\n<parameter=arg1>1</parameter>\n</function>\n</seed:tool_call><seed:eos>"],
    ["Granite", '<|tool_call|>[{"name": "special_function", "arguments": {"arg1": 1}}]<|end_of_text|>'],
    ["GLM 4.5", "<tool_call>special_function\n<arg_key>arg1</arg_key>\n<arg_value>1</arg_value>\n</tool_call><|observation|>"],
    ["Command R7B", '<|START_ACTION|>[{"tool_name": "special_function", "parameters": {"arg1": 1}}]<|END_ACTION|><|END_OF_TURN_TOKEN|>'],
    ["Apertus", '<|tools_prefix|>[{"special_function": {"arg1": 1}}]<|tools_suffix|><|assistant_end|>'],
    ["Nemotron", '<TOOLCALL>[{"name": "special_function", "arguments": {"arg1": 1}}]</TOOLCALL><extra_id_1>'],
  ])("%s", (_, text) => {
    expect(scan(text)).toEqual([call("special_function", '{"arg1": 1}')]);
  });
});

describe("Mistral's </s> after a call", () => {
  it("is not content right after the call, and stays text in prose (HTML strikethrough)", () => {
    expect(scan('[TOOL_CALLS]special_function[ARGS]{"arg1": 1}</s>')).toEqual([call("special_function", '{"arg1": 1}')]);
    expect(scan("It was <s>free</s> cheap.")).toEqual([{ type: "text", text: "It was <s>free</s> cheap." }]);
  });
});
