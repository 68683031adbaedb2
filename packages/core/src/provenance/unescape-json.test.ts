import { describe, expect, it } from "vitest";
import { unescapeJson } from "./unescape-json.js";

describe("unescapeJson", () => {
  it("decodes the strings of a JSON document in place", () => {
    const value = { html: '<tool_call>{"name": "x"}</tool_call>\n\tend \\ / é 🌍' };
    const text = JSON.stringify(value);
    expect(unescapeJson(text)).toContain(value.html);
    expect(unescapeJson(JSON.stringify(value).replace("é", "\\u00e9"))).toContain(value.html);
  });

  it("decodes JSON inside prose and leaves broken escapes as they are", () => {
    expect(unescapeJson('Result: {"a": "say \\"hi\\""} and \\x or \\u12')).toBe('Result: {"a": "say "hi""} and \\x or \\u12');
    expect(unescapeJson("no escapes")).toBe("no escapes");
    expect(unescapeJson("trailing \\")).toBe("trailing \\");
  });

  it("decodes one level at a time", () => {
    const twice = JSON.stringify(JSON.stringify({ a: '"q"' }));
    expect(unescapeJson(unescapeJson(twice))).toContain('"a":""q""');
  });
});
