import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./load-config.js";

const models = [{ id: "m", provider: "local" }];

function problemsOf(document: unknown): string[] {
  try {
    resolveConfig(document, { env: { PASS: "hunter2-from-env" } });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("credentials in a provider URL", () => {
  it("are a config error that says where the key goes instead, without repeating the password", () => {
    for (const baseURL of ["http://user:s3cr3t-pass@127.0.0.1:8080/v1", "https://only-user@api.example.com/v1", "http://u:${PASS}@127.0.0.1/v1"]) {
      const problems = problemsOf({ providers: { local: { use: "generic", baseURL } }, models });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^providers\.local\.baseURL: the URL has a user name or password in it/);
      expect(problems[0]).toContain("apiKey");
      expect(problems.join("\n")).not.toMatch(/s3cr3t-pass|only-user|hunter2-from-env/);
    }
  });

  it("are found in any provider kind's options (DeepSeek's baseUrl too)", () => {
    const problems = problemsOf({
      providers: { ds: { use: "deepseek", baseUrl: "https://a:b@chat.deepseek.com", accounts: [{ token: "t" }] } },
      models: [{ id: "d", provider: "ds" }],
    });
    expect(problems).toEqual([expect.stringMatching(/^providers\.ds\.baseUrl: the URL has a user name or password/)]);
  });

  it("leave plain URLs alone", () => {
    expect(problemsOf({ providers: { local: { use: "generic", baseURL: "http://127.0.0.1:8080/v1" } }, models })).toEqual([]);
  });
});

describe("providers.<name>.timeouts", () => {
  it("is read by the server for every kind and validated with its path", () => {
    const config = resolveConfig({
      providers: { local: { use: "generic", baseURL: "http://127.0.0.1:8080/v1", timeouts: { firstByteMs: "600000", totalMs: 0 } } },
      models,
    });
    expect(config.providers.local!.timeouts).toEqual({ firstByteMs: 600000, totalMs: 0 });
    expect(config.providers.local!.options).not.toHaveProperty("timeouts");
    expect(problemsOf({ providers: { local: { use: "demo", timeouts: { idleMs: -1, firstByte: 5 } } }, models }).sort()).toEqual([
      expect.stringMatching(/^providers\.local\.timeouts\.idleMs: /),
      expect.stringMatching(/^providers\.local\.timeouts: unknown key "firstByte"; allowed keys: firstByteMs, idleMs, totalMs/),
    ]);
  });
});
