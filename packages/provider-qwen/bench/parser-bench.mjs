// Stream-parser benchmark: QwenStreamParser (SSE framing, JSON, phases, cumulative thinking summaries, usage) against
// the least any consumer of this stream must do (split lines, JSON.parse each data line) on the same synthetic
// streams in the same run, as a ratio. Also checks that the cost per byte stays flat as answers grow.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 7;
const CHUNK = 4096;

const cacheDir = join(packageDir, "node_modules", ".cache");
mkdirSync(cacheDir, { recursive: true });
const work = mkdtempSync(join(cacheDir, "parser-bench-"));
try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  execFileSync("pnpm", ["exec", "tsup", "src/stream/qwen-stream-parser.ts", "--no-config", "--format", "esm", "--target", "node20", "--out-dir", work, "--silent"], {
    cwd: packageDir,
    stdio: "inherit",
  });
  const { QwenStreamParser } = await import(pathToFileURL(join(work, "qwen-stream-parser.js")).href);
  const context = { account: "bench", step: "bench", redact: (text) => text };

  const parse = (bytes) => {
    const parser = new QwenStreamParser(context);
    let chars = 0;
    const count = (items) => {
      for (const item of items) if (item.kind === "event" && (item.event.type === "text" || item.event.type === "reasoning")) chars += item.event.text.length;
    };
    for (let at = 0; at < bytes.length; at += CHUNK) count(parser.push(bytes.subarray(at, at + CHUNK)));
    count(parser.end());
    return chars;
  };
  const baseline = (bytes) => {
    const decoder = new TextDecoder();
    let rest = "";
    let frames = 0;
    for (let at = 0; at < bytes.length; at += CHUNK) {
      const lines = (rest + decoder.decode(bytes.subarray(at, at + CHUNK), { stream: true })).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.startsWith("data: ")) frames += JSON.parse(line.slice(6)) ? 1 : 0;
    }
    return frames;
  };

  console.log(`parser-bench: synthetic Qwen Chat streams, ${CHUNK}-byte chunks, median of ${RUNS} runs`);
  const rows = [];
  for (const frames of [10_000, 100_000]) {
    const { bytes, expectedChars } = syntheticStream(frames);
    if (parse(bytes) !== expectedChars) throw new Error("the parser lost or duplicated text");
    for (let i = 0; i < 3; i++) {
      parse(bytes);
      baseline(bytes);
    }
    const parserMs = median(times(() => parse(bytes)));
    const baselineMs = median(times(() => baseline(bytes)));
    rows.push({ bytes: bytes.length, parserMs, baselineMs });
    console.log(
      `  ${String(frames).padStart(7)} answer frames (${(bytes.length / 1e6).toFixed(1)} MB): parser ${parserMs.toFixed(1)} ms (${(bytes.length / 1e6 / (parserMs / 1000)).toFixed(0)} MB/s), ` +
        `split+JSON.parse ${baselineMs.toFixed(1)} ms → ratio ${(parserMs / baselineMs).toFixed(2)}`,
    );
  }
  const [small, large] = rows;
  const perByte = (row) => row.parserMs / row.bytes;
  console.log(`  per-byte cost at 100k vs 10k frames: ${(perByte(large) / perByte(small)).toFixed(2)}× (1.0 = linear)`);
}

/** 20 cumulative thinking-summary frames, a finished frame, then answer frames with running usage, in the captures' format. */
function syntheticStream(frames) {
  const id = "9f8fa867-2a3c-40ea-b5ba-36268d21c726";
  const usage = (output) => `{"input_tokens": 827, "output_tokens": ${output}, "characters": 0, "total_tokens": ${827 + output}, "input_tokens_details": {"text_tokens": 827}, "output_tokens_details": {"text_tokens": ${output}}, "prompt_tokens_details": {"cached_tokens": 0}}`;
  const lines = [`data: {"response.created":{"chat_id": "c", "parent_id": "p", "response_id":"${id}", "response_index": "0"}} \n`];
  const thoughts = [];
  let expectedChars = 0;
  for (let i = 0; i < 20; i++) {
    thoughts.push(`Paragraph ${i}: weighing the options step by step.`);
    const extra = `{"summary_title": {"content": []}, "summary_thought": {"content": ${JSON.stringify(thoughts)}}}`;
    lines.push(`data: {"choices": [{"delta": {"role": "assistant", "content": "", "phase": "thinking_summary", "extra": ${extra}, "status": "typing"}}], "response_id": "${id}", "usage": ${usage(i)}, "timestamp": 1}\n`);
  }
  expectedChars += thoughts.join("\n\n").length;
  lines.push(`data: {"choices": [{"delta": {"content": "", "role": "assistant", "status": "finished", "phase": "thinking_summary"}}], "response_id": "${id}"}\n`);
  const tokens = ["我们", " the", " answer", "，", "\n", " ", "{\"", "a", "\":", "1", "}", "。", "ok"];
  for (let i = 0; i < frames; i++) {
    const token = tokens[i % tokens.length];
    expectedChars += token.length;
    lines.push(`data: {"choices": [{"delta": {"role": "assistant", "content": ${JSON.stringify(token)}, "phase": "answer", "status": "typing"}}], "response_id": "${id}", "usage": ${usage(20 + i)}, "timestamp": 1}\n`);
  }
  lines.push(`data: {"choices": [{"delta": {"content": "", "role": "assistant", "status": "finished", "phase": "answer"}}], "response_id": "${id}"}\n`);
  return { bytes: new TextEncoder().encode(lines.join("\n")), expectedChars };
}

function times(run) {
  return Array.from({ length: RUNS }, () => {
    const start = performance.now();
    run();
    return performance.now() - start;
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
