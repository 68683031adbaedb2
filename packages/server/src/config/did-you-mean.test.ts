import { describe, expect, it } from "vitest";
import { didYouMean } from "./did-you-mean.js";

describe("didYouMean", () => {
  it("finds the word a typo meant: swapped, missing, extra or wrong letters, any case", () => {
    expect(didYouMean("prot", ["config", "host", "port"])).toBe("port");
    expect(didYouMean("confg", ["config", "host", "port"])).toBe("config");
    expect(didYouMean("baseUrl", ["baseURL", "apiKey"])).toBe("baseURL");
    expect(didYouMean("apikeys", ["apiKeys", "host"])).toBe("apiKeys");
    expect(didYouMean("serv", ["serve", "check"])).toBe("serve");
  });

  it("suggests nothing when no candidate is close", () => {
    expect(didYouMean("xyz", ["serve", "check"])).toBeUndefined();
    expect(didYouMean("verbose", ["config", "host", "port"])).toBeUndefined();
  });

  it("prefers the closest candidate", () => {
    expect(didYouMean("hots", ["host", "hosts"])).toBe("host");
  });
});
