// Stream-parser benchmark: createCompletionStreamParser (SSE framing + patch decoding + message tree + text deltas)
// against the least any consumer of this stream must do — split the body into lines and JSON.parse every data line —
// on the same synthetic streams in the same run. Also checks that the parser's cost grows linearly with the answer
// length (a parser that re-reads its growing strings would show a rising per-frame cost).
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
  execFileSync(
    "pnpm",
    ["exec", "tsup", "src/stream/completion-stream-parser.ts", "--no-config", "--format", "esm", "--target", "node20", "--out-dir", work, "--silent"],
    { cwd: packageDir, stdio: "inherit" },
  );
  const { createCompletionStreamParser } = await import(pathToFileURL(join(work, "completion-stream-parser.js")).href);

  const parse = (bytes) => {
    const parser = createCompletionStreamParser();
    let chars = 0;
    for (let at = 0; at < bytes.length; at += CHUNK) {
      for (const event of parser.push(bytes.subarray(at, at + CHUNK))) if (event.type === "text" || event.type === "reasoning") chars += event.text.length;
    }
    for (const event of parser.end()) if (event.type === "text" || event.type === "reasoning") chars += event.text.length;
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

  console.log(`parser-bench: synthetic Gen-3 streams, ${CHUNK}-byte chunks, median of ${RUNS} runs`);
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
    rows.push({ frames, mb: bytes.length / 1e6, parserMs, baselineMs });
    console.log(
      `  ${String(frames).padStart(7)} frames (${(bytes.length / 1e6).toFixed(1)} MB): parser ${parserMs.toFixed(1)} ms (${(bytes.length / 1e6 / (parserMs / 1000)).toFixed(0)} MB/s), ` +
        `split+JSON.parse ${baselineMs.toFixed(1)} ms → ratio ${(parserMs / baselineMs).toFixed(2)}`,
    );
  }
  const [small, large] = rows;
  const perFrame = (row) => row.parserMs / row.frames;
  console.log(`  per-frame cost at 100k vs 10k frames: ${(perFrame(large) / perFrame(small)).toFixed(2)}× (1.0 = linear)`);
}

/** A THINK fragment then a RESPONSE fragment, 1–3 character tokens, half the frames pathless (sticky), like the captures. */
function syntheticStream(frames) {
  const tokens = ["我们", "需要", " the", " answer", "，", "\n", " ", "{\"", "a", "\":", "1", "}", "。", "```", "ok"];
  const lines = [
    "event: ready",
    'data: {"request_message_id":1,"response_message_id":2,"model_type":"default"}',
    "",
    'data: {"v":{"response":{"message_id":2,"status":"WIP","accumulated_token_usage":0,"fragments":[{"id":2,"type":"THINK","content":"","references":[],"stage_id":1}]}}}',
    "",
  ];
  let expectedChars = 0;
  const half = Math.floor(frames / 2);
  for (let i = 0; i < frames; i++) {
    if (i === half) {
      lines.push('data: {"p":"response/fragments/-1/elapsed_secs","o":"SET","v":1.5}', "");
      lines.push('data: {"p":"response/fragments","o":"APPEND","v":[{"id":3,"type":"RESPONSE","content":"","references":[],"stage_id":1}]}', "");
    }
    const token = tokens[(i * 7) % tokens.length];
    expectedChars += token.length;
    const explicit = i % 2 === 0 || i === half;
    lines.push(explicit ? `data: ${JSON.stringify({ p: "response/fragments/-1/content", o: "APPEND", v: token })}` : `data: ${JSON.stringify({ v: token })}`, "");
    if (i % 500 === 0) lines.push(": ", "");
  }
  lines.push('data: {"p":"response","o":"BATCH","v":[{"p":"accumulated_token_usage","v":99},{"p":"quasi_status","v":"FINISHED"}]}', "");
  lines.push('data: {"p":"response/status","o":"SET","v":"FINISHED"}', "", "event: close", 'data: {"click_behavior":"none","auto_resume":false}', "", "");
  return { bytes: new TextEncoder().encode(lines.join("\n")), expectedChars };
}

function times(fn) {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
