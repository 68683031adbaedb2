import { describe, expect, it } from "vitest";
import { SseDecoder } from "./sse-decoder.js";

function parseSplit(text: string, at: number[]) {
  const parser = new SseDecoder();
  const events = [];
  let from = 0;
  for (const cut of [...at, text.length]) {
    events.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  return [...events, ...parser.end()];
}

describe("SseDecoder", () => {
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

/** The framing rules spelled out line by line, slowly: the reference the fast parser must agree with. */
function reference(text: string) {
  const events: { event?: string; data: string }[] = [];
  let data: string[] = [];
  let event: string | undefined;
  for (const line of [...text.split(/\r\n|\r|\n/), ""]) {
    if (line === "") {
      if (data.length > 0) events.push(event === undefined ? { data: data.join("\n") } : { event, data: data.join("\n") });
      data = [];
      event = undefined;
    } else if (!line.startsWith(":")) {
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") event = value;
    }
  }
  return events;
}

describe("SseDecoder against the reference", () => {
  const pieces = ["data: ", "data:", "data", "event: e", "id: 1", ": note", "x: y", "{\"a\":1}", "  two", ":", "\n", "\n", "\r\n", "\r", "data: é€😀"];

  it("agrees on generated streams, whole and split at every position", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let round = 0; round < 150; round++) {
      let text = "";
      for (let i = 0; i < 12; i++) text += pieces[random(pieces.length)];
      const expected = reference(text);
      expect(parseSplit(text, [])).toEqual(expected);
      for (let cut = 1; cut < text.length; cut++) expect(parseSplit(text, [cut])).toEqual(expected);
    }
  });

  it("takes a data field without a colon as an empty data line", () => {
    expect(parseSplit("data\n\ndata\ndata: x\n\n", [])).toEqual([{ data: "" }, { data: "\nx" }]);
  });
});

describe("SseDecoder with dataLinePerEvent (DeepSeek's framing)", () => {
  it("dispatches each data line with the event in force, even without blank lines between frames", () => {
    const decoder = new SseDecoder({ dataLinePerEvent: true });
    const text = 'event: ready\ndata: {"a":1}\n\ndata: {"v":1}\ndata: {"v":2}\n: ping\nevent: close\ndata: {}\n';
    expect(decoder.push(text)).toEqual([
      { event: "ready", data: '{"a":1}' },
      { data: '{"v":1}' },
      { data: '{"v":2}' },
      { event: "close", data: "{}" },
    ]);
  });

  it("decodes bytes split inside a UTF-8 sequence and flushes a last line without a terminator", () => {
    const bytes = new TextEncoder().encode("data: é€😀\ndata: tail");
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new SseDecoder({ dataLinePerEvent: true });
      const events = [...decoder.pushBytes(bytes.slice(0, cut)), ...decoder.pushBytes(bytes.slice(cut)), ...decoder.end()];
      expect(events).toEqual([{ data: "é€😀" }, { data: "tail" }]);
    }
  });

  it("gives the same text for every way of cutting bytes into three pieces, whichever decoder each piece takes", () => {
    // Pieces ending in ASCII bytes are decoded on their own, the others by the streaming decoder: mixing both must
    // never lose or duplicate a byte, and a byte order mark is dropped only at the very start.
    const text = "\uFEFFdata: a é\n\ndata: \uFEFF€ b\n\ndata: 😀c\n\n";
    const bytes = new TextEncoder().encode(text);
    for (let first = 0; first <= bytes.length; first++) {
      for (let second = first; second <= bytes.length; second++) {
        const decoder = new SseDecoder();
        const events = [
          ...decoder.pushBytes(bytes.slice(0, first)),
          ...decoder.pushBytes(bytes.slice(first, second)),
          ...decoder.pushBytes(bytes.slice(second)),
          ...decoder.end(),
        ];
        expect(events).toEqual([{ data: "a é" }, { data: "\uFEFF€ b" }, { data: "😀c" }]);
      }
    }
  });
});
