import { describe, expect, it } from "vitest";
import { genericProviderOptionsSchema } from "./options.js";

describe("genericProviderOptionsSchema", () => {
  it("fills the defaults", () => {
    expect(genericProviderOptionsSchema.parse({ baseURL: "http://127.0.0.1:8080/v1" })).toEqual({
      name: "generic",
      baseURL: "http://127.0.0.1:8080/v1",
      tools: "auto",
      timeoutMs: 120_000,
      stream: true,
    });
  });

  it("accepts numbers and booleans written as text (values from environment variables)", () => {
    const parsed = genericProviderOptionsSchema.parse({ baseURL: "https://api.example.com/v1", timeoutMs: "3000", stream: "false" });
    expect(parsed).toMatchObject({ timeoutMs: 3000, stream: false });
    expect(genericProviderOptionsSchema.parse({ baseURL: "http://h/v1", timeoutMs: { firstByteMs: "10", idleMs: 20 } }).timeoutMs).toEqual({
      firstByteMs: 10,
      idleMs: 20,
    });
  });

  it("rejects bad values with the offending path", () => {
    const result = genericProviderOptionsSchema.safeParse({ baseURL: "ftp://x", tools: "sometimes", models: [{ id: "" }], timeoutMs: -1 });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["baseURL", "tools", "models.0.id", "timeoutMs"]));
  });
});
