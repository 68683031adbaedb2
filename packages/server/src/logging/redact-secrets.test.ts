import { describe, expect, it } from "vitest";
import { createRedactor } from "./redact-secrets.js";

describe("createRedactor", () => {
  it("removes a long secret wherever it occurs, also URL-encoded and JSON-escaped", () => {
    const redact = createRedactor(['sk-long/secret+"quoted"']);
    expect(redact('key sk-long/secret+"quoted" refused')).toBe("key [redacted] refused");
    expect(redact(`url ?k=${encodeURIComponent('sk-long/secret+"quoted"')}&x=1`)).toBe("url ?k=[redacted]&x=1");
    expect(redact(JSON.stringify({ message: 'bad key sk-long/secret+"quoted"' }))).toBe('{"message":"bad key [redacted]"}');
    expect(redact(JSON.stringify(JSON.stringify({ m: 'sk-long/secret+"quoted"' })))).not.toContain("quoted");
    expect(redact("prefixsk-long/secret+\"quoted\"suffix")).toBe("prefix[redacted]suffix");
  });

  it("removes secrets of 1 to 5 characters where they stand alone, not inside longer words", () => {
    const redact = createRedactor(["q", "Zk", "k3y", "p4ss", "t0k3n"]);
    expect(redact("Bearer t0k3n")).toBe("Bearer [redacted]");
    expect(redact('{"password":"p4ss","key":"k3y"}')).toBe('{"password":"[redacted]","key":"[redacted]"}');
    expect(redact("auth=Zk&x=q")).toBe("auth=[redacted]&x=[redacted]");
    expect(redact("invalid api key: k3y.")).toBe("invalid api key: [redacted].");
    expect(redact("user%3Ak3y%40host")).toBe("user%3A[redacted]%40host");
    expect(redact('"line\\nk3y"')).toBe('"line\\n[redacted]"');
    // Common words that merely contain the letters stay readable.
    expect(redact("quick Zkx k3yboard mk3y p4ssword t0k3ns")).toBe("quick Zkx k3yboard mk3y p4ssword t0k3ns");
  });

  it("treats regular-expression characters in secrets literally", () => {
    const redact = createRedactor(["a.b", "(x)", "$1"]);
    expect(redact("a.b axb (x) $1 $12")).toBe("[redacted] axb [redacted] [redacted] $12");
  });

  it("is the identity without secrets", () => {
    expect(createRedactor([])("anything")).toBe("anything");
    expect(createRedactor([""])("anything")).toBe("anything");
  });
});
