// Parser throughput and linearity, measured in one run on the same generated text.
//
//   node bench/parser-bench.mjs          (after `pnpm build`; the root `pnpm bench` builds first)
//
// 1. toolshim's scanner on ~1 MB of realistic model output (prose, JSON and code samples that are not calls, and
//    Hermes <tool_call> calls from a few bytes to ~20 KB of arguments), pushed in 4-character chunks.
// 2. toolshim against @ai-sdk-tool/parser's Hermes stream parser (its TransformStream, driven directly), the only
//    other incremental parser of these formats, on IDENTICAL text: the first 100 KB of (1), in the same chunks. The
//    peer rescans the open call on every chunk, so it is not given the whole megabyte; the ratio divides the two
//    throughputs on that same prefix, never toolshim's 1 MB figure by the peer's 100 KB one.
// 3. Linearity: cost per byte on 1 MB against 100 KB of the same kind of text, and of one 100 KB (and one 1 MB) call
//    against many 1 KB calls.
import { hermesProtocol } from "@ai-sdk-tool/parser";
import { chunks as chunksOf, cpuMs, line, scanCalls, seeded } from "./bench-utils.mjs";
import { createScanner } from "../dist/index.js";

const CHUNK = 4;
const chunks = (text) => chunksOf(text, CHUNK);
const TOOLS = ["get_weather", "search_docs", "write_file", "run_query"];
const NONCE = "bench0nce1";

const WORDS = ("the a model tool call weather result because however café naïve 東京 データ 🌍 — value index " +
  "returns [1] {braces} x<y a>b <b>bold</b> \"quoted\" it's (parens) 42 3.14 e.g. i.e. file.txt path/to/dir").split(" ");

function sentence(random) {
  const words = [];
  for (let i = 0, n = 6 + Math.floor(random() * 14); i < n; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
  return `${words.join(" ")}. `;
}

function longString(random, length) {
  let text = "";
  while (text.length < length) text += `${sentence(random)}${random() < 0.2 ? '\n    "indented" {x: 1}\t\\ ' : ""}`;
  return text.slice(0, length);
}

function callText(random, size) {
  const name = TOOLS[Math.floor(random() * TOOLS.length)];
  const args =
    size < 40
      ? { city: "Oslo" }
      : { path: `src/file_${Math.floor(random() * 1000)}.ts`, content: longString(random, size), lines: [1, 2, 3], options: { force: random() < 0.5 } };
  return `<tool_call>\n{"name": "${name}", "arguments": ${JSON.stringify(args)}}\n</tool_call>\n`;
}

function codeSample(random) {
  const body = [];
  for (let i = 0, n = 3 + Math.floor(random() * 10); i < n; i++) {
    body.push(`    config = {"name": "get_weather", "retries": ${i}, "tags": ["a", "b"]}  # {not a call}`);
  }
  return `\`\`\`python\ndef handler(event):\n${body.join("\n")}\n    return config\n\`\`\`\n`;
}

/** Realistic output of about `bytes` characters: mostly prose, some samples, calls of every size. */
function generate(seed, bytes) {
  const random = seeded(seed);
  const parts = [];
  let length = 0;
  while (length < bytes) {
    const pick = random();
    let part;
    if (pick < 0.55) part = `${sentence(random)}${sentence(random)}\n`;
    else if (pick < 0.65) part = `For example ${JSON.stringify({ id: Math.floor(random() * 99), name: "get_weather", tags: ["x", "y"] })} is data.\n`;
    else if (pick < 0.75) part = codeSample(random);
    else {
      const size = [10, 200, 2_000, 20_000][Math.floor(random() * 4)];
      part = callText(random, size);
    }
    parts.push(part);
    length += part.length;
  }
  return parts.join("");
}

const scanContext = {
  nonce: NONCE,
  tools: TOOLS.map((name) => ({ name, parameters: { type: "object", properties: {} }, strict: false })),
};

/** Runs toolshim's scanner over the pieces; returns milliseconds and the number of completed calls. */
function runScanner(pieces) {
  const started = cpuMs();
  const calls = scanCalls(createScanner(scanContext), pieces);
  return { ms: cpuMs() - started, calls };
}

const peerTools = TOOLS.map((name) => ({ type: "function", name, inputSchema: { type: "object", properties: {} } }));

async function runPeer(pieces) {
  const started = cpuMs();
  const stream = hermesProtocol().createStreamParser({ tools: peerTools });
  let calls = 0;
  const reading = (async () => {
    const reader = stream.readable.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.type === "tool-call") calls++;
    }
  })();
  const writer = stream.writable.getWriter();
  writer.write({ type: "text-start", id: "t" });
  for (const piece of pieces) writer.write({ type: "text-delta", id: "t", delta: piece });
  writer.write({ type: "text-end", id: "t" });
  writer.write({ type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: {} });
  await writer.close();
  await reading;
  return { ms: cpuMs() - started, calls };
}

/** The fastest of `runs` (after one warm-up): the least disturbed by garbage collection. */
function best(runs, measure) {
  measure();
  let fastest = Number.POSITIVE_INFINITY;
  let result;
  for (let i = 0; i < runs; i++) {
    result = measure();
    fastest = Math.min(fastest, result.ms);
  }
  return { ...result, ms: fastest };
}

const mbps = (characters, ms) => characters / 1e6 / (ms / 1000);

const text = generate(1, 1_000_000);
const pieces = chunks(text);
const ours = best(5, () => runScanner(pieces));
line("text", `${(text.length / 1e6).toFixed(2)} M characters, ${CHUNK}-character chunks`);
line("toolshim alone on the whole text", `${mbps(text.length, ours.ms).toFixed(1)} MB/s (${ours.calls} calls)`);

// Both parsers on the same prefix, in the same chunks: the ratio compares identical work.
const peerLength = Number(process.env.PEER_CHARS ?? 100_000);
const peerText = text.slice(0, peerLength);
const peerPieces = chunks(peerText);
// toolshim first: the peer leaves garbage behind whose collection would otherwise be charged to toolshim's runs.
const oursOnPrefix = best(20, () => runScanner(peerPieces));
await runPeer(chunks(text.slice(0, 5_000)));
const peer = await runPeer(peerPieces);
const peerMbps = mbps(peerText.length, peer.ms);
const oursPrefixMbps = mbps(peerText.length, oursOnPrefix.ms);
line(
  `on the first ${peerText.length} characters`,
  `toolshim ${oursPrefixMbps.toFixed(1)} MB/s (${oursOnPrefix.calls} calls), ` +
    `@ai-sdk-tool/parser (hermes) ${peerMbps.toFixed(3)} MB/s (${peer.calls} calls)`,
);
line("toolshim vs @ai-sdk-tool/parser, same text", `${(oursPrefixMbps / peerMbps).toFixed(1)}x`);

/**
 * Cost per character of `a` over that of `b`. A sample scans one text back to back until about 1 M characters have
 * passed, so both sides' samples are equally long; samples alternate, and each side keeps its fastest.
 */
function perByteRatio(a, b, rounds) {
  const sample = (pieces, length) => {
    const repeats = Math.max(1, Math.round(1_000_000 / length));
    let total = 0;
    for (let i = 0; i < repeats; i++) total += runScanner(pieces).ms;
    return total / (repeats * length);
  };
  const aPieces = chunks(a);
  const bPieces = chunks(b);
  sample(aPieces, a.length);
  sample(bPieces, b.length);
  let fastestA = Number.POSITIVE_INFINITY;
  let fastestB = Number.POSITIVE_INFINITY;
  for (let round = 0; round < rounds; round++) {
    fastestA = Math.min(fastestA, sample(aPieces, a.length));
    fastestB = Math.min(fastestB, sample(bPieces, b.length));
  }
  return fastestA / fastestB;
}

line("cost per byte, 1 MB vs 100 KB", perByteRatio(text, generate(1, 100_000), 12).toFixed(2));

const random = seeded(2);
const writeFile = (size) =>
  `<tool_call>\n{"name": "write_file", "arguments": {"content": ${JSON.stringify(longString(random, size))}}}\n</tool_call>\n`;
const oneCall = writeFile(100_000);
const oneBigCall = writeFile(1_000_000);
let manyCalls = "";
while (manyCalls.length < oneCall.length) manyCalls += writeFile(1_000);
line("cost per byte, one 100 KB call vs 1 KB calls", perByteRatio(oneCall, manyCalls, 12).toFixed(2));
line("cost per byte, one 1 MB call vs 1 KB calls", perByteRatio(oneBigCall, manyCalls, 6).toFixed(2));
