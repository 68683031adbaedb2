import { describe, expect, it } from "vitest";
import { deepSeekOptionsSchema } from "./options.js";

describe("deepSeekOptionsSchema", () => {
  it("fills the documented defaults", () => {
    const options = deepSeekOptionsSchema.parse({ accounts: [{ token: "t" }] });
    expect(options).toMatchObject({
      maxStreamsPerAccount: 2,
      deleteSessions: true,
      headers: { platform: "android", clientVersion: "2.0.4", locale: "zh_CN", extra: {} },
    });
  });

  it("reads the deprecated baseUrl spelling, refuses both spellings at once, and names the allowed keys", () => {
    expect(deepSeekOptionsSchema.parse({ accounts: [{ token: "t" }], baseUrl: "http://127.0.0.1:1" }).baseUrl).toBe("http://127.0.0.1:1");
    const both = deepSeekOptionsSchema.safeParse({ accounts: [{ token: "t" }], baseUrl: "http://a.test", baseURL: "http://b.test" });
    expect(both.error?.issues[0]?.message).toContain("keep only baseURL");
    const typo = deepSeekOptionsSchema.safeParse({ accounts: [{ token: "t" }], baseurl: "http://a.test" });
    expect(typo.error?.issues[0]?.message).toMatch(/unknown key "baseurl"; allowed keys: baseURL, baseUrl, accounts/);
  });

  it("takes numbers and booleans written as text (environment variables)", () => {
    const options = deepSeekOptionsSchema.parse({ accounts: [{ token: "t" }], maxStreamsPerAccount: "3", deleteSessions: "false" });
    expect(options.maxStreamsPerAccount).toBe(3);
    expect(options.deleteSessions).toBe(false);
  });

  it.each([
    [{ accounts: [] }, "at least one"],
    [{ accounts: [{ email: "a@b.c" }] }, "needs a token"],
    [{ accounts: [{ token: "t", password: "p" }] }, "email or mobile"],
    [{ accounts: [{ token: "t" }], maxStreamsPerAccount: 0 }, ""],
    [{ accounts: [{ token: "t" }], headers: { clientVersion: "2.0.4", platfrom: "web" } }, ""],
  ])("rejects %j", (input, message) => {
    const result = deepSeekOptionsSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(message);
  });
});
