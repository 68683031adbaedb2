import { describe, expect, it } from "vitest";
import { ChunkParser } from "./chunk-parser.js";

/** Parses every text with a fresh copy of what JSON.parse gives, or the error it throws. */
function outcome(parse: (text: string) => unknown, text: string): unknown {
  try {
    return structuredClone(parse(text));
  } catch (error) {
    return { threw: (error as Error).name };
  }
}

function expectSameAsJsonParse(texts: string[]) {
  const parser = new ChunkParser();
  for (const text of texts) expect(outcome((t) => parser.parse(t), text), text).toEqual(outcome(JSON.parse, text));
}

const openai = (delta: object, extra = "") =>
  `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m"${extra},"choices":[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":null}]}`;

describe("ChunkParser", () => {
  it("gives what JSON.parse gives for a plain stream of text chunks", () => {
    expectSameAsJsonParse([
      openai({ role: "assistant", content: "" }),
      ...["Hel", "lo", ", wor", "ld", "!", "\n", 'say "hi"', "back\\slash", "é😀", "", "tab\t", "\u0001"].map((content) => openai({ content })),
      `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`,
    ]);
  });

  it("takes the fast path once the shape is known", () => {
    const parser = new ChunkParser();
    const first = parser.parse(openai({ content: "a" }));
    const second = parser.parse(openai({ content: "b" }));
    const third = parser.parse(openai({ content: "c" }));
    expect(third).toBe(parser.parse(openai({ content: "d" })));
    expect(first).not.toBe(second);
    expect(third.choices?.[0]?.delta?.content).toBe("d");
  });

  it("follows reasoning fields, servers that put spaces after colons, and shapes that change", () => {
    const spaced = (content: string) => `{"id": "x", "choices": [{"index": 0, "delta": {"content": ${JSON.stringify(content)}}, "finish_reason": null}]}`;
    expectSameAsJsonParse([
      ...["th", "in", "king"].map((reasoning_content) => openai({ reasoning_content })),
      ...["a", "b"].map((reasoning) => openai({ reasoning })),
      ...["c", "d", "e"].map(spaced),
      ...["f", "g"].map((content) => openai({ content }, ',"obfuscation":"' + content + '"')),
      openai({ content: "h", tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
      openai({ content: "i", tool_calls: [{ index: 0, function: { arguments: "{}" } }] }),
    ]);
  });

  it("never accepts what JSON.parse rejects", () => {
    expectSameAsJsonParse([
      openai({ content: "a" }),
      openai({ content: "b" }),
      openai({ content: "c" }).replace('"c"', '"c","x":"y"'),
      openai({ content: "d" }).replace('"d"', '"d'),
      openai({ content: "e" }).replace('"e"', '"e\\q"'),
      openai({ content: "f" }).replace('"f"', '"f\n"'),
      openai({ content: "g" }).replace('"g"', "7"),
      openai({ content: "h" }).slice(0, -1),
      openai({ content: "i" }),
    ]);
  });

  it("does not take another field with the same text for the delta's", () => {
    // The delta's content is written with an escape, so the only verbatim "content":"x" is elsewhere.
    const tricky = (other: string, delta: string) =>
      `{"meta":{"content":${JSON.stringify(other)}},"choices":[{"index":0,"delta":{"content":${delta}}}]}`;
    expectSameAsJsonParse([tricky("x", '"\\u0078"'), tricky("x", '"\\u0078"'), tricky("y", '"\\u0078"'), tricky("z", '"\\u0078"'), tricky("w", '"\\u0078"')]);
  });

  it("agrees with JSON.parse on generated streams", () => {
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = ["a", "b", " ", '"', "\\", "\n", "é", "😀", "content", '"content":"', "}", "{"];
    const texts: string[] = [];
    for (let i = 0; i < 400; i++) {
      let content = "";
      for (let j = random(4); j > 0; j--) content += pieces[random(pieces.length)];
      const text = random(5) === 0 ? openai({ reasoning_content: content }) : openai({ content });
      // Now and then a corrupted chunk, at a random place.
      const cut = random(12) === 0 ? random(text.length) : -1;
      texts.push(cut < 0 ? text : text.slice(0, cut) + pieces[random(pieces.length)] + text.slice(cut + 1));
    }
    expectSameAsJsonParse(texts);
  });
});
