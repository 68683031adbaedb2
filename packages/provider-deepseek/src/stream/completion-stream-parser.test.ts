import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createCompletionStreamParser } from "./completion-stream-parser.js";
import type { StreamEvent } from "./stream-event.js";

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url));
const encoder = new TextEncoder();

interface Summary {
  text: string;
  reasoning: string;
  /** Every event except text/reasoning, in order. */
  events: StreamEvent[];
}

function summarize(events: StreamEvent[]): Summary {
  const summary: Summary = { text: "", reasoning: "", events: [] };
  for (const event of events) {
    if (event.type === "text") summary.text += event.text;
    else if (event.type === "reasoning") summary.reasoning += event.text;
    else summary.events.push(event);
  }
  return summary;
}

function replay(bytes: Uint8Array, chunkSize = bytes.length): Summary {
  const parser = createCompletionStreamParser();
  const events: StreamEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) events.push(...parser.push(bytes.subarray(i, i + chunkSize)));
  events.push(...parser.end());
  return summarize(events);
}

const replayText = (text: string) => replay(encoder.encode(text));
const of = <T extends StreamEvent["type"]>(summary: Summary, type: T) =>
  summary.events.filter((event): event is Extract<StreamEvent, { type: T }> => event.type === type);
const lastStatus = (summary: Summary) => of(summary, "status").at(-1)?.status;
const lastUsage = (summary: Summary) => of(summary, "usage").at(-1)?.outputTokens;

describe("captures (reference §11)", () => {
  it("A: thinking then a markdown answer, pathless sticky frames, whitespace-only tokens kept", () => {
    const result = replay(fixture("a-markdown-thinking.sse"));
    expect(result.reasoning).toBe("我们只需要输出markdown格式的示例，展示四五个类型。比如标题、列表、代码块、表格、引用等。直接输出即可。");
    expect(result.text).toBe(
      [
        "```markdown",
        "# 一级标题",
        "## 二级标题",
        "### 三级标题",
        "",
        "- 无序列表项 1",
        "- 无序列表项 2",
        "  - 嵌套列表项",
        "",
        "1. 有序列表项一",
        "2. 有序列表项二",
        "",
        "```python",
        "# 代码块示例",
        'print("Hello, Markdown!")',
        "```",
        "",
        "| 姓名 | 年龄 | 城市     |",
        "|------|------|----------|",
        "| 张三 | 25   | 北京     |",
        "| 李四 | 30   | 上海     |",
        "",
        "> 这是一段引用文字。",
        "> 可以跨多行。",
        "",
        "**粗体文本** 和 *斜体文本*",
        "```",
      ].join("\n"),
    );
    expect(lastUsage(result)).toBe(190);
    expect(lastStatus(result)).toBe("FINISHED");
    expect(of(result, "ready")).toEqual([
      { type: "ready", requestMessageId: 1, responseMessageId: 2, modelType: "default" },
    ]);
    expect(of(result, "title")).toEqual([{ type: "title", title: "Markdown格式示例输出" }]);
    expect(of(result, "close")).toEqual([{ type: "close", clickBehavior: "none", autoResume: false }]);
    expect(of(result, "malformed")).toEqual([]);
  });

  it("B: expert model, no finish event, still FINISHED", () => {
    const result = replay(fixture("b-expert-no-finish.sse"));
    expect(of(result, "ready")[0]?.modelType).toBe("expert");
    // The excerpt keeps the head and tail of one THINK fragment; the visible frames are all the text there is.
    expect(result.reasoning).toBe("我们被要求写式推理系统。");
    expect(result.text).toBe("");
    expect(lastUsage(result)).toBe(1357);
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("C: a TIP fragment appended with an inherited op is not answer text", () => {
    const result = replay(fixture("c-default-tip.sse"));
    expect(result.reasoning).toBe("我们被层+推理引擎层），可以构建高可靠的AI推理服务。");
    expect(result.text).not.toContain("本回答由");
    expect(result.reasoning).not.toContain("本回答由");
    expect(of(result, "fragment")).toEqual([
      { type: "fragment", fragmentType: "TIP", id: 4, content: "本回答由 AI 生成，内容仅供参考，请仔细甄别。" },
    ]);
    expect(lastUsage(result)).toBe(2024);
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("D: search stages, BATCH references and truncated lines", () => {
    const result = replay(fixture("d-search.sse"));
    expect(result.reasoning).toBe("用户想知道广州搜索结果显示了一些这些搜索结果");
    expect(result.text).toBe("广州今天（[reference:0][reference:1]。[reference:3][reference:4]。～");
    // The five lines the reference cut off are reported, not fatal; indices they made stale are ignored.
    expect(of(result, "malformed")).toHaveLength(5);
    expect(lastUsage(result)).toBe(211);
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("E: content filter replaces the fragments with a refusal template", () => {
    const result = replay(fixture("e-content-filter.sse"));
    // The excerpt gap hides where the RESPONSE fragment began, so the tail lands on the THINK fragment here.
    expect(result.reasoning).toBe("用户是一位历史肌理。");
    expect(result.text).toBe("");
    expect(`${result.text}${result.reasoning}`).not.toContain("CONTENT_FILTER");
    expect(of(result, "status").map((event) => event.status)).toEqual(["WIP", "CONTENT_FILTER"]);
    expect(of(result, "fragment").map((event) => event.fragmentType)).toEqual(["TIP", "TEMPLATE_RESPONSE"]);
    expect(lastUsage(result)).toBe(1269);
  });

  it("F: INCOMPLETE, then a continue round on the same message", () => {
    const result = replay(fixture("f-incomplete-continue.sse"));
    expect(of(result, "status").map((event) => event.status)).toEqual(["WIP", "INCOMPLETE", "FINISHED"]);
    expect(result.reasoning).toBe("我们被问到T) = 4。");
    expect(result.text).toBe("园丁可以}");
    expect(lastUsage(result)).toBe(2551);
    expect(of(result, "ready")).toHaveLength(2);
  });

  it("G: Gen-2 flat paths (the source's snapshot line is malformed and kept so)", () => {
    const result = replay(fixture("g-gen2.sse"));
    expect(result.reasoning).toBe("嗯，用户问");
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("H: a rate-limit hint right after ready", () => {
    const result = replay(fixture("h-rate-limit.sse"));
    expect(result.text + result.reasoning).toBe("");
    expect(of(result, "hint")).toEqual([
      { type: "hint", level: "error", content: "消息发送过于频繁，请稍后重试", finishReason: "rate_limit_reached" },
    ]);
    expect(of(result, "close")[0]?.clickBehavior).toBe("retry");
    expect(of(result, "status")).toEqual([]);
  });

  it.each([
    "a-markdown-thinking.sse",
    "b-expert-no-finish.sse",
    "c-default-tip.sse",
    "d-search.sse",
    "e-content-filter.sse",
    "f-incomplete-continue.sse",
    "g-gen2.sse",
    "h-rate-limit.sse",
  ])("%s gives the same result for every chunk size", (name) => {
    const bytes = fixture(name);
    const whole = replay(bytes);
    for (const size of [1, 2, 3, 5, 7, 64, 1000]) expect(replay(bytes, size)).toEqual(whole);
  });
});

describe("patch grammar edge cases", () => {
  const snapshot = (fragments: unknown[]) =>
    `data: ${JSON.stringify({ v: { response: { message_id: 2, status: "WIP", accumulated_token_usage: 0, fragments } } })}\n\n`;

  it("a continue round's snapshot replaying earlier text emits only the new tail", () => {
    const parser = createCompletionStreamParser();
    const round1 = [
      "event: ready",
      'data: {"request_message_id":1,"response_message_id":2}',
      "",
      snapshot([{ id: 2, type: "THINK", content: "ab" }]),
      'data: {"p":"response/fragments/-1/content","o":"APPEND","v":"cd"}',
      "",
      'data: {"p":"response/status","o":"SET","v":"INCOMPLETE"}',
      "",
    ].join("\n");
    const round2 = [
      "event: ready",
      'data: {"request_message_id":1,"response_message_id":2}',
      "",
      snapshot([{ id: 2, type: "THINK", content: "abcdef" }]),
      'data: {"p":"response/fragments/-1/content","o":"APPEND","v":"g"}',
      "",
      'data: {"p":"response/fragments","o":"APPEND","v":[{"id":3,"type":"RESPONSE","content":"X"}]}',
      "",
      'data: {"p":"response/fragments/-1/content","v":"Y"}',
      "",
      'data: {"p":"response/status","o":"SET","v":"FINISHED"}',
      "",
    ].join("\n");
    const events = [...parser.push(encoder.encode(round1)), ...parser.end()];
    parser.nextResponse();
    events.push(...parser.push(encoder.encode(round2)), ...parser.end());
    const result = summarize(events);
    expect(result.reasoning).toBe("abcdefg");
    expect(result.text).toBe("XY");
    // The replayed snapshot says WIP again: the message is being written once more.
    expect(of(result, "status").map((event) => event.status)).toEqual(["WIP", "INCOMPLETE", "WIP", "FINISHED"]);
  });

  it("a replay shorter than what was already said does not repeat text when it catches up", () => {
    const result = replayText(
      [
        snapshot([{ id: 2, type: "RESPONSE", content: "hello" }]),
        snapshot([{ id: 2, type: "RESPONSE", content: "hel" }]),
        'data: {"p":"response/fragments/-1/content","o":"APPEND","v":"lo"}',
        "",
        'data: {"v":" world"}',
        "",
      ].join("\n"),
    );
    expect(result.text).toBe("hello world");
  });

  it("one APPEND carrying a THINK and a RESPONSE fragment emits both, in order", () => {
    const parser = createCompletionStreamParser();
    const events = parser.push(
      encoder.encode(
        `${snapshot([])}data: {"p":"response/fragments","o":"APPEND","v":[{"type":"THINK","content":"思考中"},{"type":"RESPONSE","content":"结论"}]}\n\n`,
      ),
    );
    expect(events.filter((event) => event.type === "text" || event.type === "reasoning")).toEqual([
      { type: "reasoning", text: "思考中" },
      { type: "text", text: "结论" },
    ]);
  });

  it("a status list without BATCH op (older shape) still finishes", () => {
    const result = replayText(`${snapshot([])}data: {"p":"response","v":[{"p":"status","v":"FINISHED"}]}\n\n`);
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("content filter in a nested list, with usage", () => {
    const result = replayText(
      `${snapshot([])}data: {"p":"response","v":[{"p":"status","v":"CONTENT_FILTER"},{"p":"accumulated_token_usage","v":77}]}\n\n`,
    );
    expect(lastStatus(result)).toBe("CONTENT_FILTER");
    expect(lastUsage(result)).toBe(77);
    expect(result.text).toBe("");
  });

  it("Gen-2 absolute sub-paths inside a list split tool JSON without losing characters", () => {
    const result = replayText(
      [
        'data: {"v":{"response":{"content":"","thinking_content":null,"status":"WIP"}}}',
        "",
        'data: {"p":"response","v":[{"p":"response/content","v":"{\\""},{"p":"response/content","o":"APPEND","v":"tool_calls\\":[]}"}]}',
        "",
      ].join("\n"),
    );
    expect(result.text).toBe('{"tool_calls":[]}');
  });

  it("BATCH on a fragment: references inherit APPEND inside the sub-decoder", () => {
    const parser = createCompletionStreamParser();
    const events = parser.push(
      encoder.encode(
        [
          snapshot([{ id: 3, type: "RESPONSE", content: "A", references: [] }]),
          'data: {"p":"response/fragments/-1","o":"BATCH","v":[{"p":"content","o":"APPEND","v":"[reference:0]"},{"p":"references","o":"SET","v":[{"id":18}]}]}',
          "",
          'data: {"v":[{"p":"content","o":"APPEND","v":"[reference:1]"},{"p":"references","v":[{"id":8}]}]}',
          "",
        ].join("\n"),
      ),
    );
    expect(summarize(events).text).toBe("A[reference:0][reference:1]");
  });

  it("search fragments never leak into text and are reported once", () => {
    const result = replayText(
      [
        snapshot([{ id: 2, type: "THINK", content: "t" }]),
        'data: {"p":"response","o":"BATCH","v":[{"p":"fragments","o":"APPEND","v":[{"id":3,"type":"TOOL_SEARCH","status":"WIP","content":null,"queries":[{"query":"q"}],"results":[]}]},{"p":"has_pending_fragment","o":"SET","v":false}]}',
        "",
        'data: {"p":"response/fragments/-1/results","o":"SET","v":[{"url":"https://example.com","title":"x"}]}',
        "",
        'data: {"p":"response/fragments/-1/status","v":"FINISHED"}',
        "",
        'data: {"p":"response/fragments","o":"APPEND","v":[{"id":4,"type":"RESPONSE","content":"ok"}]}',
        "",
        'data: {"p":"response/status","o":"SET","v":"FINISHED"}',
        "",
      ].join("\n"),
    );
    expect(result.text).toBe("ok");
    expect(result.reasoning).toBe("t");
    expect(of(result, "fragment")).toEqual([{ type: "fragment", fragmentType: "TOOL_SEARCH", id: 3 }]);
    expect(lastStatus(result)).toBe("FINISHED");
  });

  it("out-of-range indices and unknown ops are ignored", () => {
    const result = replayText(
      [
        snapshot([{ id: 2, type: "RESPONSE", content: "a" }]),
        'data: {"p":"response/fragments/-9/content","o":"APPEND","v":"zzz"}',
        "",
        'data: {"p":"response/fragments/-1/content","o":"REMOVE","v":"zzz"}',
        "",
        'data: {"p":"response/fragments/-1/content","o":"APPEND","v":"b"}',
        "",
      ].join("\n"),
    );
    expect(result.text).toBe("ab");
  });
});

describe("errors and older generations", () => {
  it("input too long hint", () => {
    const result = replayText(
      'event: hint\ndata: {"type":"error","content":"Content is too long. Please shorten it and try again.","clear_response":true,"finish_reason":"input_exceeds_limit"}\n\n',
    );
    expect(of(result, "hint")[0]?.finishReason).toBe("input_exceeds_limit");
  });

  it("error objects on the default event, top level or nested in v", () => {
    const result = replayText(
      [
        'data: {"type":"error","content":"busy","finish_reason":"rate_limit_reached"}',
        "",
        'data: {"v":{"type":"error","content":"too frequent"}}',
        "",
        'data: {"error":{"message":"bad"}}',
        "",
      ].join("\n"),
    );
    expect(of(result, "hint").map((hint) => hint.content)).toEqual(["busy", "too frequent", "bad"]);
    expect(result.text).toBe("");
  });

  it("Gen-1 OpenAI-like chunks, [DONE] and CRLF framing", () => {
    const chunk = (delta: unknown, finish: string | null = null) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }], model: "", message_id: 2 })}\r\n\r\n`;
    const result = replayText(
      chunk({ content: "hmm", type: "thinking" }) +
        chunk({ type: "search_result", search_results: [{ title: "t", url: "u" }] }) +
        chunk({ content: "Hi", type: "text" }) +
        chunk({ content: " there" }, "stop") +
        "data: [DONE]\r\n\r\n",
    );
    expect(result.reasoning).toBe("hmm");
    expect(result.text).toBe("Hi there");
    expect(lastStatus(result)).toBe("FINISHED");
    expect(result.events.map((event) => event.type)).toEqual(["fragment", "status", "done"]);
  });

  it("Gen-1 backend_busy is an error hint", () => {
    const result = replayText(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: "backend_busy" }] })}\n\n`);
    expect(of(result, "hint")[0]?.finishReason).toBe("backend_busy");
  });

  it("a CR at the end of one chunk and LF at the start of the next is one line end", () => {
    const parser = createCompletionStreamParser();
    const events = [
      ...parser.push(encoder.encode('data: {"v":{"response":{"fragments":[{"id":1,"type":"RESPONSE","content":"x"}]}}}\r')),
      ...parser.push(encoder.encode('\ndata: {"p":"response/fragments/-1/content","o":"APPEND","v":"y"}\r\n')),
      ...parser.end(),
    ];
    expect(summarize(events).text).toBe("xy");
  });
});
