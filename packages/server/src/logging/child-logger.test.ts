import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { childLogger } from "./child-logger.js";
import { createLogger } from "./create-logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

describe("childLogger", () => {
  it("writes a binding once when the line's own fields repeat it, and keeps everything else", () => {
    const { lines, destination } = capture();
    const logger = childLogger(createLogger({ level: "info", destination }), { provider: "local" });
    logger.warn({ provider: "local", model: "qwen", status: 502 }, "upstream failed");
    logger.info({ model: "qwen" }, "plain");
    for (const line of lines) expect(line.match(/"provider":/g)).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ provider: "local", model: "qwen", status: 502, msg: "upstream failed" });
    expect(JSON.parse(lines[1]!)).toMatchObject({ provider: "local", model: "qwen", msg: "plain" });
  });

  it("still scrubs configured secrets from the child's lines", () => {
    const { lines, destination } = capture();
    const logger = childLogger(createLogger({ level: "info", destination, secrets: ["tok-123456789"] }), { provider: "p" });
    logger.warn({ provider: "p", detail: "bad token tok-123456789" }, "login failed");
    expect(lines.join("\n")).not.toContain("tok-123456789");
  });
});
