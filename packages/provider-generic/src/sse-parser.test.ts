import { describe, expect, it } from "vitest";
import { SseParser } from "./sse-parser.js";

function parseSplit(text: string, at: number[]) {
  const parser = new SseParser();
  const events = [];
  let from = 0;
  for (const cut of [...at, text.length]) {
    events.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return [...events, ...parser.end()];
}

describe("SseParser", () => {
  const stream = ': keep-alive\r\n\r\ndata: {"a":1}\r\n\r\nevent: error\ndata: line1\ndata:line2\n\nid: 7\nretry: 10\ndata: [DONE]\n\n';
  const expected = [{ data: '{"a":1}' }, { event: "error", data: "line1\nline2" }, { data: "[DONE]" }];

  it("parses events, joins multi-line data and skips comments and other fields", () => {
    expect(parseSplit(stream, [])).toEqual(expected);
  });

  it("gives the same events for every split of the input, including inside \\r\\n", () => {
    for (let cut = 0; cut <= stream.length; cut++) expect(parseSplit(stream, [cut])).toEqual(expected);
  });

  it("emits a final event without a trailing blank line at the end", () => {
    expect(parseSplit("data: tail", [])).toEqual([{ data: "tail" }]);
  });

  it("handles bare \\r line endings", () => {
    expect(parseSplit("data: x\r\rdata: y\r\r", [])).toEqual([{ data: "x" }, { data: "y" }]);
  });
});
