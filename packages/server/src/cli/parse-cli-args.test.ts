import { describe, expect, it } from "vitest";
import { parseCliArgs, UsageError } from "./parse-cli-args.js";

const parse = (argv: string[], env: Record<string, string> = {}) => parseCliArgs(argv, env);
const usage = (argv: string[], env: Record<string, string> = {}) => {
  try {
    parse(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
};

describe("parseCliArgs", () => {
  it("reads every server setting from TOOLSHIM_* variables", () => {
    const args = parse(["serve"], {
      TOOLSHIM_CONFIG: "/etc/toolshim.yaml",
      TOOLSHIM_HOST: "0.0.0.0",
      TOOLSHIM_PORT: "9000",
      TOOLSHIM_API_KEYS: "key-one, key-two",
      TOOLSHIM_LOG_LEVEL: "DEBUG",
      TOOLSHIM_LOG_PRETTY: "false",
    });
    expect(args).toEqual({
      command: "serve",
      configPath: "/etc/toolshim.yaml",
      overrides: { host: "0.0.0.0", port: 9000, apiKeys: ["key-one", "key-two"], logLevel: "debug", pretty: false },
    });
  });

  it("lets a flag win over its variable", () => {
    const env = { TOOLSHIM_CONFIG: "env.yaml", TOOLSHIM_PORT: "9000", TOOLSHIM_LOG_LEVEL: "debug", TOOLSHIM_LOG_PRETTY: "false" };
    const args = parse(["serve", "-c", "flag.yaml", "--port=0", "--log-level", "warn", "--pretty"], env);
    expect(args.configPath).toBe("flag.yaml");
    expect(args.overrides).toEqual({ port: 0, logLevel: "warn", pretty: true });
    expect(parse(["serve", "--no-pretty"], { TOOLSHIM_LOG_PRETTY: "true" }).overrides.pretty).toBe(false);
  });

  it("leaves settings nobody gave unset, and treats empty variables as unset", () => {
    expect(parse(["check"], { TOOLSHIM_CONFIG: "", TOOLSHIM_API_KEYS: "", TOOLSHIM_PORT: "" })).toEqual({ command: "check", configPath: undefined, overrides: {} });
  });

  it("suggests the flag or command a typo meant, and never echoes a flag's value", () => {
    expect(usage(["serve", "--prot", "9000"])).toBe('unknown option "--prot"; did you mean "--port"?');
    expect(usage(["serve", "--confg=x.yaml"])).toBe('unknown option "--confg"; did you mean "--config"?');
    expect(usage(["serve", "--api-key=sk-secret-value"])).not.toContain("sk-secret-value");
    expect(usage(["serv"])).toBe('unknown command "serv"; did you mean "serve"?');
    expect(usage(["frobnicate"])).toBe('unknown command "frobnicate"');
    expect(usage(["serve", "-x"])).toBe('unknown option "-x"');
    expect(usage([])).toBe("missing command: serve or check");
  });

  it("says which flag or variable holds a bad value and what is allowed", () => {
    expect(usage(["serve", "--port", "http"])).toBe('--port must be a number from 0 to 65535, got "http"');
    expect(usage(["serve"], { TOOLSHIM_PORT: "70000" })).toBe('TOOLSHIM_PORT must be a number from 0 to 65535, got "70000"');
    expect(usage(["serve", "--log-level", "inof"])).toContain('did you mean "info"?');
    expect(usage(["serve"], { TOOLSHIM_LOG_PRETTY: "maybe" })).toBe('TOOLSHIM_LOG_PRETTY must be true or false, got "maybe"');
    expect(usage(["serve"], { TOOLSHIM_API_KEYS: "a,,b" })).toContain("empty entry");
  });

  it("answers --help and --version whatever else is given", () => {
    expect(parse(["serve", "--help"]).command).toBe("help");
    expect(parse(["-v"]).command).toBe("version");
  });
});
