import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";
import { createPrettyStream, formatPrettyLine } from "./pretty-lines.js";

const at = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();

describe("formatPrettyLine", () => {
  it("writes a request as one summary line", () => {
    const record = { level: 30, time: at, msg: "request", requestId: "req_1", method: "POST", path: "/v1/chat/completions", status: 200, durationMs: 352, model: "qwen", provider: "local", mode: "emulate", toolCalls: 1, stream: false };
    expect(formatPrettyLine(record, false)).toBe("03:04:05.006 INFO  POST /v1/chat/completions 200 352ms qwen emulate tool_calls=1 provider=local\n");
  });

  it("says what went wrong on a failed request, on the same line", () => {
    const record = { level: 50, time: at, msg: "request", method: "POST", path: "/v1/messages", status: 502, durationMs: 12, model: "m", error: "upstream said no", errorCode: "upstream_error", stream: true };
    expect(formatPrettyLine(record, false)).toBe('03:04:05.006 ERROR POST /v1/messages 502 12ms m stream upstream_error: "upstream said no"\n');
  });

  it("writes other lines as the message and key=value fields, with an error's stack indented below", () => {
    expect(formatPrettyLine({ level: 40, time: at, msg: "listening", url: "http://127.0.0.1:8686", models: ["a", "b"] }, false)).toBe(
      '03:04:05.006 WARN  listening url=http://127.0.0.1:8686 models=["a","b"]\n',
    );
    const line = formatPrettyLine({ level: 50, time: at, msg: "failed", err: { type: "Error", message: "boom", stack: "Error: boom\n    at x" } }, false);
    expect(line).toBe('03:04:05.006 ERROR failed err="boom"\n    Error: boom\n        at x\n');
  });

  it("colours the time and level only when asked", () => {
    expect(formatPrettyLine({ level: 30, time: at, msg: "hi" }, true)).toContain("\u001b[32mINFO \u001b[0m hi");
  });
});

describe("createPrettyStream", () => {
  it("turns the logger's JSON records into pretty lines, secrets still scrubbed", () => {
    const out: string[] = [];
    const logger = createLogger({ level: "info", destination: createPrettyStream({ colors: false, write: (text) => out.push(text) }), secrets: ["sk-9876543210"] });
    logger.info({ method: "GET", path: "/v1/models", status: 200, durationMs: 3, requestId: "r" }, "request");
    logger.warn({ detail: "key sk-9876543210 rejected" }, "upstream");
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/ INFO {2}GET \/v1\/models 200 3ms\n$/);
    expect(out[1]).not.toContain("sk-9876543210");
  });
});
