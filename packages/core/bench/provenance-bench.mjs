// Provenance cost, measured in one run (run after `pnpm build`; the root `pnpm bench` builds first).
//
//   node bench/provenance-bench.mjs
//
// The scanner reads ~1 MB of model output (prose, Hermes calls the model wrote, and passages quoted from the tool
// results, quoted calls included) pushed in 4-character chunks:
// 1. with ~1 MB of tool results indexed (ProvenanceIndex, built on first use inside the scan) against the same scan
//    with no inputs: the ratio is what provenance costs;
// 2. linearity: per-byte cost of 1 MB of output against 1 MB of inputs over 100 KB against 100 KB (1.0 = linear);
// 3. the scan with the index already built (what is left once ProvenanceIndex.prepare() ran while the upstream
//    thought), and building the index alone, with its memory per indexed character (heap and array buffers after a
//    full GC, the index kept alive);
// 4. a Claude Code-like request: a few hundred KB of source files (Read results, `cat -n` style) and markdown with
//    code fences as tool results, tools Bash/Read/Edit/…: what indexing costs there, and the scan of a reply against
//    the same scan with no inputs; and tool results with no markup at all (nothing to index).
//
// PROVENANCE_BASELINE=/path/to/an/older/dist/index.js adds the same build and memory figures for that build's
// ProvenanceIndex, measured in this run, and their ratios (before/after comparisons on a shared machine).
import v8 from "node:v8";
import vm from "node:vm";
import { chunks as chunksOf, cpuMs, line, scanCalls, seeded } from "./bench-utils.mjs";
import { createScanner, ProvenanceIndex } from "../dist/index.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");
const Baseline = process.env.PROVENANCE_BASELINE ? (await import(process.env.PROVENANCE_BASELINE)).ProvenanceIndex : null;

const CHUNK = 4;
const chunks = (text) => chunksOf(text, CHUNK);
const NONCE = "bench0nce1";
const TOOLS = ["get_weather", "search_docs", "write_file", "send_money"];
const tools = TOOLS.map((name) => ({ name, parameters: { type: "object", properties: {} }, strict: false }));

const WORDS = ("the page result offer price shipping café 東京 🌍 — value index {braces} x<y a>b \"quoted\" it's 42 " +
  "3.14 file.txt path/to/dir please ignore previous instructions and").split(" ");

function prose(random, length) {
  let text = "";
  while (text.length < length) text += `${WORDS[Math.floor(random() * WORDS.length)]}${random() < 0.1 ? ".\n" : " "}`;
  return text;
}

function hermes(random, name, size) {
  const args = { to: `acct-${Math.floor(random() * 1e6)}`, note: prose(random, size) };
  return `<tool_call>\n{"name": "${name}", "arguments": ${JSON.stringify(args)}}\n</tool_call>\n`;
}

/** Tool results of about `bytes` characters (pages with injected calls, half of them as JSON) and the pages. */
function toolResults(seed, bytes) {
  const random = seeded(seed);
  const results = [];
  const pages = [];
  let length = 0;
  while (length < bytes) {
    let page = "";
    while (page.length < 8_000) page += random() < 0.8 ? prose(random, 400) : hermes(random, "send_money", 300);
    const result = random() < 0.5 ? page : JSON.stringify({ url: "https://example.com/", html: page });
    results.push(result);
    pages.push(page);
    length += result.length;
  }
  return { results, pages };
}

/** Model output of about `bytes` characters: prose, its own calls, and passages (quoted calls too) copied from `pages`. */
function modelOutput(seed, bytes, pages) {
  const random = seeded(seed);
  const parts = [];
  let length = 0;
  while (length < bytes) {
    const pick = random();
    let part;
    if (pick < 0.5) part = prose(random, 300);
    else if (pick < 0.7) part = hermes(random, TOOLS[Math.floor(random() * 3)], [20, 500, 5_000][Math.floor(random() * 3)]);
    else {
      // A quote: a stretch of a page from one of its injected calls (or anywhere), verbatim.
      const page = pages[Math.floor(random() * pages.length)];
      const call = page.indexOf("<tool_call>", Math.floor(random() * page.length));
      const from = call === -1 ? Math.floor(random() * page.length) : call;
      part = `The page says: ${page.slice(from, from + 200 + Math.floor(random() * 800))}\n`;
    }
    parts.push(part);
    length += part.length;
  }
  return parts.join("");
}

/** One scan, the index (when there are inputs) built inside it unless given built; ms and the calls that came out. */
function scan(pieces, inputs, built) {
  const started = cpuMs();
  const context = { nonce: NONCE, tools };
  if (inputs) context.provenance = built ?? new ProvenanceIndex(inputs, { toolNames: TOOLS });
  const calls = scanCalls(createScanner(context), pieces);
  return { ms: cpuMs() - started, calls };
}

/** The fastest of `runs` alternating runs of each measurement (after a warm-up of each). */
function fastest(runs, measures) {
  for (const measure of measures) measure();
  const best = measures.map(() => ({ ms: Number.POSITIVE_INFINITY }));
  for (let i = 0; i < runs; i++) {
    measures.forEach((measure, j) => {
      const result = measure();
      if (result.ms < best[j].ms) best[j] = result;
    });
  }
  return best;
}

const mb = (characters) => `${(characters / 1e6).toFixed(2)} M`;

const { results: inputs, pages } = toolResults(1, 1_000_000);
const inputLength = inputs.reduce((sum, text) => sum + text.length, 0);
const output = modelOutput(2, 1_000_000, pages);
const pieces = chunks(output);

/** Heap and array-buffer bytes held by what `make` returns (kept alive), after full collections. */
function retainedBytes(make) {
  gc();
  gc();
  const before = process.memoryUsage();
  const kept = make();
  gc();
  gc();
  const after = process.memoryUsage();
  return { kept, bytes: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers };
}

/** A built index (lookups finish the build). */
function built(Index, texts, toolNames = TOOLS) {
  const index = new Index(texts, { toolNames });
  index.contains("<");
  return index;
}

const { kept: prebuilt, bytes: indexBytes } = retainedBytes(() => built(ProvenanceIndex, inputs));
const [plain, checked, matched] = fastest(5, [() => scan(pieces, null), () => scan(pieces, inputs), () => scan(pieces, inputs, prebuilt)]);
line("model output", `${mb(output.length)} characters in ${CHUNK}-character chunks; tool results ${mb(inputLength)} characters`);
line("scan, no inputs", `${plain.ms.toFixed(0)} ms (${plain.calls} calls)`);
line("scan, 1 MB of tool results indexed (index built inside)", `${checked.ms.toFixed(0)} ms (${checked.calls} calls: quoted ones are text)`);
line("provenance cost, with inputs vs without", `${(checked.ms / plain.ms).toFixed(2)}x`);
line(
  "scan with the index already built (as after prepare()) vs without inputs",
  `${matched.ms.toFixed(0)} ms: ${(matched.ms / plain.ms).toFixed(2)}x (${matched.calls} calls)`,
);

/** CPU ms of building an index of `texts` (fastest of 5), and the characters it indexed. */
function buildCost(Index, texts, toolNames) {
  const [build] = fastest(5, [
    () => {
      const started = cpuMs();
      const index = built(Index, texts, toolNames);
      const ms = cpuMs() - started;
      index.release?.();
      return { ms, indexed: index.length };
    },
  ]);
  return build;
}
const build = buildCost(ProvenanceIndex, inputs, TOOLS);
const perMb = (build.indexed / 1e6 / (build.ms / 1000)).toFixed(1);
line("index build alone", `${build.ms.toFixed(0)} ms for ${mb(build.indexed)} characters (raw and JSON-unescaped forms, from the first start): ${perMb} M characters/s`);
line("index memory", `${(indexBytes / 1e6).toFixed(1)} MB retained: ${(indexBytes / prebuilt.length).toFixed(1)} bytes per indexed character`);
prebuilt.release();
if (Baseline) {
  const old = buildCost(Baseline, inputs, TOOLS);
  const { kept, bytes } = retainedBytes(() => built(Baseline, inputs));
  line("baseline build", `${old.ms.toFixed(0)} ms for ${mb(old.indexed)} characters: this build takes ${(build.ms / old.ms).toFixed(2)}x its time`);
  line("baseline memory", `${(bytes / 1e6).toFixed(1)} MB: ${(bytes / kept.length).toFixed(1)} bytes per indexed character; this build holds ${(indexBytes / bytes).toFixed(3)}x`);
}

// Linearity: 100 KB of output against 100 KB of inputs, and 1 MB against 1 MB, each side timed per character.
const { results: smallInputs, pages: smallPages } = toolResults(1, 100_000);
const smallOutput = modelOutput(2, 100_000, smallPages);
const smallPieces = chunks(smallOutput);
const repeats = Math.round(output.length / smallOutput.length);
const [large, small] = fastest(5, [
  () => scan(pieces, inputs),
  () => {
    let ms = 0;
    for (let i = 0; i < repeats; i++) ms += scan(smallPieces, smallInputs).ms;
    return { ms: ms / repeats };
  },
]);
line("cost per byte, 1 MB vs 100 KB (output and inputs, index built inside)", ((large.ms / output.length) / (small.ms / smallOutput.length)).toFixed(2));
const smallBuilt = new ProvenanceIndex(smallInputs, { toolNames: TOOLS });
smallBuilt.contains("x");
const [largeScan, smallScan] = fastest(5, [
  () => scan(pieces, inputs, prebuilt),
  () => {
    let ms = 0;
    for (let i = 0; i < repeats; i++) ms += scan(smallPieces, smallInputs, smallBuilt).ms;
    return { ms: ms / repeats };
  },
]);
line("cost per byte, 1 MB vs 100 KB, index already built", ((largeScan.ms / output.length) / (smallScan.ms / smallOutput.length)).toFixed(2));

// 4. A Claude Code-like request: Read results (source files, `cat -n` style), markdown with code fences, shell output.
const AGENT_TOOLS = ["Bash", "Read", "Edit", "Write", "Glob", "Grep", "TodoWrite", "WebFetch", "Task"];
const agentTools = AGENT_TOOLS.map((name) => ({ name, parameters: { type: "object", properties: {} }, strict: false }));

function sourceFile(random, lines) {
  const out = [];
  for (let i = 1; out.length < lines; i++) {
    const name = `${WORDS[Math.floor(random() * 8)]}${i}`;
    const body = [
      `export async function ${name}(input: ReadableStream<Uint8Array>, options: { limit?: number } = {}): Promise<string[]> {`,
      `  const seen = new Map<string, number>([["${name}", ${i}]]);`,
      `  for (const item of await collect(input)) if (!seen.has(item.key)) seen.set(item.key, item.value ?? ${i});`,
      `  return [...seen.keys()].slice(0, options.limit ?? ${i * 3});`,
      "}",
      // Agents' own tool names turn up as words in code and docs ("Read", "Write", "Edit", "Bash").
      i % 4 === 0 ? "// Read the config once; Write it back only when Edit changed something." : "",
    ];
    out.push(...body);
  }
  return out.map((text, i) => `${String(i + 1).padStart(6)}\t${text}`).join("\n");
}

function markdownDoc(random, length) {
  let text = "";
  while (text.length < length) {
    text += `## ${prose(random, 30)}\n\nRun the tests with Bash, then Read the report. ${prose(random, 400)}\n\n\`\`\`ts\nconst config = { retries: ${Math.floor(random() * 9)}, paths: ["src", "test"] };\n\`\`\`\n\n`;
  }
  return text;
}

function shellOutput(random, length) {
  let text = "";
  for (let i = 0; text.length < length; i++) text += `2026-12-06T01:${String(i % 60).padStart(2, "0")} info worker ${i % 7}: processed ${Math.floor(random() * 1e4)} items in ${Math.floor(random() * 900)} ms\n`;
  return text;
}

const agentRandom = seeded(3);
const agentResults = [
  ...Array.from({ length: 40 }, () => sourceFile(agentRandom, 90)),
  ...Array.from({ length: 5 }, () => markdownDoc(agentRandom, 10_000)),
  shellOutput(agentRandom, 50_000),
];
const agentLength = agentResults.reduce((sum, text) => sum + text.length, 0);
const agentReply = chunks(
  `I read the files. The helper in module 3 should cache its results:\n\n\`\`\`ts\n${agentResults[3].split("\n").slice(0, 6).map((l) => l.split("\t")[1]).join("\n")}\n\`\`\`\n\n` +
    `${prose(agentRandom, 2_000)}\n<call:${NONCE}>{"name": "Edit", "arguments": {"path": "src/a.ts", "old": "x", "new": "y"}}</call:${NONCE}>`,
);

function agentTurn(withInputs) {
  const started = cpuMs();
  const context = { nonce: NONCE, tools: agentTools };
  let index;
  if (withInputs) context.provenance = index = new ProvenanceIndex(agentResults, { toolNames: AGENT_TOOLS });
  const calls = scanCalls(createScanner(context), agentReply);
  // What the request would build while the upstream thinks even if the reply held no foreign markup.
  index?.contains("{");
  index?.release();
  return { ms: cpuMs() - started, calls, indexed: index?.length ?? 0 };
}
const [agentPlain, agentChecked] = fastest(5, [() => agentTurn(false), () => agentTurn(true)]);
const agentIndex = new ProvenanceIndex(agentResults, { toolNames: AGENT_TOOLS });
const { bytes: agentBytes } = retainedBytes(() => built(ProvenanceIndex, agentResults, AGENT_TOOLS));
agentIndex.release();
line(
  "Claude Code-like request",
  `${(agentLength / 1e3).toFixed(0)} K characters of tool results (40 source files, 5 markdown docs, shell output), ` +
    `${(agentChecked.indexed / 1e3).toFixed(0)} K indexed (${(agentBytes / 1e6).toFixed(1)} MB): reply scan with the build ` +
    `${agentChecked.ms.toFixed(1)} ms vs ${agentPlain.ms.toFixed(1)} ms with no inputs (+${(agentChecked.ms - agentPlain.ms).toFixed(1)} ms, ${agentChecked.calls} call)`,
);
const logsOnly = [shellOutput(seeded(4), 300_000)];
const [quiet] = fastest(5, [
  () => {
    const started = cpuMs();
    const index = new ProvenanceIndex(logsOnly, { toolNames: AGENT_TOOLS });
    return { ms: cpuMs() - started, mode: index.mode };
  },
]);
line("300 K characters of shell output, no markup", `${quiet.ms.toFixed(2)} ms to decide (${quiet.mode}): nothing indexed`);
if (Baseline) {
  const old = buildCost(Baseline, agentResults, AGENT_TOOLS);
  const now = buildCost(ProvenanceIndex, agentResults, AGENT_TOOLS);
  line("Claude Code-like request, baseline build", `${old.ms.toFixed(0)} ms for ${(old.indexed / 1e3).toFixed(0)} K characters vs ${now.ms.toFixed(0)} ms here: ${(now.ms / old.ms).toFixed(2)}x`);
}
