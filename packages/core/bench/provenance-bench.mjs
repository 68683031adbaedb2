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
//    thought), and building the index alone.
import { createScanner, ProvenanceIndex } from "../dist/index.js";

const CHUNK = 4;
const NONCE = "bench0nce1";
const TOOLS = ["get_weather", "search_docs", "write_file", "send_money"];
const tools = TOOLS.map((name) => ({ name, parameters: { type: "object", properties: {} }, strict: false }));

function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function chunks(text) {
  const result = [];
  for (let i = 0; i < text.length; i += CHUNK) result.push(text.slice(i, i + CHUNK));
  return result;
}

/** CPU time of this process in ms: the machine is shared, and wall-clock time would count other processes' work. */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** One scan, the index (when there are inputs) built inside it unless given built; ms and the calls that came out. */
function scan(pieces, inputs, built) {
  const started = cpuMs();
  const context = { nonce: NONCE, tools };
  if (inputs) context.provenance = built ?? new ProvenanceIndex(inputs, { toolNames: TOOLS });
  const scanner = createScanner(context);
  let calls = 0;
  for (const piece of pieces) for (const event of scanner.push(piece)) if (event.type === "call-end") calls++;
  for (const event of scanner.end()) if (event.type === "call-end") calls++;
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

const line = (label, value) => console.log(`${label}: ${value}`);
const mb = (characters) => `${(characters / 1e6).toFixed(2)} M`;

const { results: inputs, pages } = toolResults(1, 1_000_000);
const inputLength = inputs.reduce((sum, text) => sum + text.length, 0);
const output = modelOutput(2, 1_000_000, pages);
const pieces = chunks(output);

const rssBefore = process.memoryUsage().rss;
const prebuilt = new ProvenanceIndex(inputs, { toolNames: TOOLS });
prebuilt.contains("x");
const indexRss = process.memoryUsage().rss - rssBefore;
const [plain, checked, matched] = fastest(5, [() => scan(pieces, null), () => scan(pieces, inputs), () => scan(pieces, inputs, prebuilt)]);
line("model output", `${mb(output.length)} characters in ${CHUNK}-character chunks; tool results ${mb(inputLength)} characters`);
line("scan, no inputs", `${plain.ms.toFixed(0)} ms (${plain.calls} calls)`);
line("scan, 1 MB of tool results indexed (index built inside)", `${checked.ms.toFixed(0)} ms (${checked.calls} calls: quoted ones are text)`);
line("provenance cost, with inputs vs without", `${(checked.ms / plain.ms).toFixed(2)}x`);
line(
  "scan with the index already built (as after prepare()) vs without inputs",
  `${matched.ms.toFixed(0)} ms: ${(matched.ms / plain.ms).toFixed(2)}x (${matched.calls} calls)`,
);

const [build] = fastest(5, [
  () => {
    const started = cpuMs();
    const index = new ProvenanceIndex(inputs, { toolNames: TOOLS });
    index.contains("x");
    return { ms: cpuMs() - started, indexed: index.length };
  },
]);
const perMb = (build.indexed / 1e6 / (build.ms / 1000)).toFixed(1);
line("index build alone", `${build.ms.toFixed(0)} ms for ${mb(build.indexed)} characters (raw and JSON-unescaped forms): ${perMb} M characters/s`);
line("index memory", `${(indexRss / 1e6).toFixed(0)} MB resident (the process's RSS before and after the first build)`);

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
