// Gateway overhead bench: the same streamed tool conversation through toolshim (emulating tool calls) and through a
// plain pass-through proxy on the same stack, against the same OpenAI double, in the same run.
//
//   throughput: STREAMS concurrent streams of CHUNKS+ chunks each, upstream as fast as it can write; ROUNDS rounds,
//               alternating which proxy goes first; median wall time per proxy → throughput ratio.
//   latency:    the same, with the upstream pacing its chunks (PACE_MS apart) so nothing saturates; a tap between
//               proxy and double timestamps each upstream chunk, the client timestamps when its text arrives, and
//               the difference per chunk is that proxy's latency. "Added" = toolshim's minus pass-through's; also
//               given without each stream's first 3 s, to separate the start of 50 streams at once from the rest.
//   translator: a minimal translating proxy (minimal-translator-proxy.mjs: SSE decode, JSON.parse, a new chunk
//               JSON.stringify'd, no tool parsing) runs the same rounds, to tell what any stream-rewriting gateway pays
//               per chunk from toolshim's own cost (BENCH_TRANSLATOR=0: skip). It emits no tool calls; only for it the
//               check accepts that.
//   console:    a further process, toolshim with the web console on (every request traced into its ring buffer), runs
//               the same rounds, so the console's cost is a ratio measured in the same run (BENCH_CONSOLE=0: skip).
//   CPU:        each proxy runs in its own process; the CPU time it used (all threads, from /proc) per upstream chunk
//               in both phases. On a shared machine this is far steadier than wall time, which also depends on
//               whatever else runs. The double's and this process's (client + tap) CPU are shown too: they bound the
//               wall-time throughput of both proxies alike.
//
// Usage: pnpm bench at the repository root (builds first), or after `pnpm --filter @toolshim/server... build`, pnpm bench
//   memory:     after the rounds, each proxy in turn holds BENCH_HELD slow streams (a chunk every BENCH_HOLD_PACE_MS)
//               open for BENCH_HOLD_S seconds; its RSS (from /proc) at the end of the hold minus its RSS before,
//               divided by the number of streams, is its memory per held stream. RSS is also read right after start,
//               after the warm-up, a few seconds after the fast rounds (a burst) and a few seconds after the held
//               streams were dropped by the client, to show whether it returns near its baseline. Every proxy process
//               (the pass-through too) loads heap-probe.cjs, which on a signal reports V8's heap: after the RSS reads at
//               the end of the hold and after the drop, it gives the heap in use after a full collection (live data,
//               independent of when V8 last collected) and the young generation's size, so the RSS figure can be split
//               into what streams keep alive and how V8 sized its heap.
//
// Usage: pnpm bench at the repository root (builds first), or after `pnpm --filter @toolshim/server... build`, pnpm bench
// here. Env: BENCH_STREAMS, BENCH_CHUNKS, BENCH_ROUNDS, BENCH_PACE_MS, BENCH_HELD, BENCH_HOLD_S, BENCH_HOLD_PACE_MS,
// BENCH_SETTLE_S, BENCH_CONSOLE, BENCH_TRANSLATOR; BENCH_PROFILE=<dir> profiles the toolshim process.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stream, tool } from "./bench-client.mjs";
import { cpuByThread, cpuSeconds, rssKB } from "./proc-stats.mjs";
import { startTimestampTap } from "./timestamp-tap.mjs";

const STREAMS = Number(process.env.BENCH_STREAMS ?? 50);
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 10);
const WITH_CONSOLE = process.env.BENCH_CONSOLE !== "0";
const WITH_TRANSLATOR = process.env.BENCH_TRANSLATOR !== "0";
const TRANSLATOR = "min-translator";
const HELD = Number(process.env.BENCH_HELD ?? 300);
const HOLD_S = Number(process.env.BENCH_HOLD_S ?? 8);
const HOLD_PACE_MS = Number(process.env.BENCH_HOLD_PACE_MS ?? 100);
const SETTLE_S = Number(process.env.BENCH_SETTLE_S ?? 5);
const here = new URL(".", import.meta.url).pathname;
const cli = join(here, "../dist/cli.js");

const children = [];
function start(args, label, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return { child, stderr: () => err, label };
}
function firstLine(proc, pattern, stream = "stdout") {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`${proc.label} did not start:\n${proc.stderr()}`)), 15_000);
    proc.child[stream].on("data", (d) => {
      text += d;
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
}
process.on("exit", () => children.forEach((c) => c.kill("SIGTERM")));
process.on("SIGINT", () => process.exit(130));

// --- the double, and a tap in front of it that timestamps every upstream chunk per stream -----------------------
const doubleProc = start([join(here, "double-process.mjs")], "double", {
  BENCH_CHUNKS: String(CHUNKS),
  BENCH_PACE_MS: String(PACE_MS),
  BENCH_HOLD_PACE_MS: String(HOLD_PACE_MS),
});
const doubleUrl = new URL(await firstLine(doubleProc, /(http:\/\/\S+)/));

const { url: tapUrl, records: tapRecords, errors: tapErrors } = await startTimestampTap(doubleUrl);

// --- the two proxies ---------------------------------------------------------------------------------------------
const configDir = await mkdtemp(join(tmpdir(), "toolshim-bench-"));
const configPath = join(configDir, "bench.yaml");
await writeFile(
  configPath,
  [
    "server:",
    "  keepAliveMs: 15000",
    "providers:",
    "  upstream:",
    "    use: generic",
    `    baseURL: ${tapUrl}`,
    "    tools: emulate",
    "models:",
    "  - id: bench",
    "    provider: upstream",
    "    upstreamModel: double-model",
    "logging:",
    "  level: info",
    "",
  ].join("\n"),
);
// BENCH_PROFILE=<dir> writes a CPU profile of the toolshim process there (open it in Chrome DevTools).
const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`, "--cpu-prof-interval=200"] : [];
// The same heap probe in every proxy process (see the header); it does nothing until the memory phase signals it.
const probe = ["--require", join(here, "heap-probe.cjs")];
const probeEnv = { BENCH_HEAP_PROBE_DIR: configDir };
const gatewayProc = start([...probe, ...profile, cli, "serve", "--config", configPath, "--port", "0"], "toolshim", probeEnv);
gatewayProc.child.stdout.resume(); // request log lines, one per stream: read and dropped like a log shipper would
const passProc = start([...probe, join(here, "passthrough-proxy.mjs"), tapUrl], "pass-through", probeEnv);
const targets = {
  "pass-through": await firstLine(passProc, /(http:\/\/\S+)/),
  toolshim: await firstLine(gatewayProc, /listening on (http:\/\/\S+)/, "stderr"),
};
const proxyPid = { "pass-through": () => passProc.child.pid, toolshim: () => gatewayProc.child.pid };
if (WITH_TRANSLATOR) {
  const translatorProc = start([...probe, join(here, "minimal-translator-proxy.mjs"), tapUrl], TRANSLATOR, probeEnv);
  targets[TRANSLATOR] = await firstLine(translatorProc, /(http:\/\/\S+)/);
  proxyPid[TRANSLATOR] = () => translatorProc.child.pid;
}
if (WITH_CONSOLE) {
  const consoleConfig = join(configDir, "bench-console.yaml");
  await writeFile(consoleConfig, `${readFileSync(configPath, "utf8")}console:\n  enabled: true\n  adminKey: bench-console-admin-key-0123\n`);
  const consoleProc = start([...probe, cli, "serve", "--config", consoleConfig, "--port", "0"], "toolshim+console", probeEnv);
  consoleProc.child.stdout.resume();
  targets["toolshim+console"] = await firstLine(consoleProc, /listening on (http:\/\/\S+)/, "stderr");
  proxyPid["toolshim+console"] = () => consoleProc.child.pid;
}
// BENCH_BASELINE_CLI=<another checkout>/packages/server/dist/cli.js: that build too, same config, same rounds.
if (process.env.BENCH_BASELINE_CLI) {
  // BENCH_BASELINE_NODE_ARGS: Node/V8 flags for that process only (the same build with another heap setting, say).
  const nodeArgs = (process.env.BENCH_BASELINE_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const baselineProc = start([...probe, ...nodeArgs, process.env.BENCH_BASELINE_CLI, "serve", "--config", configPath, "--port", "0"], "baseline", probeEnv);
  baselineProc.child.stdout.resume();
  targets.baseline = await firstLine(baselineProc, /listening on (http:\/\/\S+)/, "stderr");
  proxyPid.baseline = () => baselineProc.child.pid;
}
const names = Object.keys(targets);

const benchCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function run(name, paced, round) {
  const base = targets[name];
  const before = { proxy: cpuSeconds(proxyPid[name]()), double: cpuSeconds(doubleProc.child.pid), bench: benchCpuSeconds() };
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: STREAMS }, (_, i) => stream(base, `${round}${i}`, paced)));
  const seconds = (performance.now() - started) / 1000;
  const after = { proxy: cpuSeconds(proxyPid[name]()), double: cpuSeconds(doubleProc.child.pid), bench: benchCpuSeconds() };
  const used = (key) => (after[key] === undefined || before[key] === undefined ? undefined : after[key] - before[key]);
  return { seconds, cpu: used("proxy"), doubleCpu: used("double"), benchCpu: used("bench"), results };
}

function check(name, results) {
  for (const r of results) {
    if (name === TRANSLATOR) {
      // It parses no tools: the call markup stays text, so no tool call and an ordinary finish.
      if (r.toolCalls !== 0 || !r.finish) throw new Error(`${name} stream ${r.id}: expected no tool call and a finish, got ${r.toolCalls} (finish ${r.finish})`);
    } else if (name !== "pass-through" && (r.toolCalls !== 1 || r.finish !== "tool_calls")) {
      throw new Error(`toolshim stream ${r.id}: expected one emulated tool call, got ${r.toolCalls} (finish ${r.finish})`);
    }
    if (!r.content.startsWith(`[stream-${r.id}] the quick`)) throw new Error(`${name} stream ${r.id}: unexpected content`);
  }
}

/** Latency of each text chunk the client got: its arrival minus when the tap saw the upstream chunk completing it. */
function latencies(results, skip = 0) {
  const out = [];
  for (const r of results) {
    const upstream = tapRecords.get(`stream-${r.id}`);
    if (!upstream) throw new Error(`no tap records for stream-${r.id}`);
    const proseEnd = r.content.indexOf("<") === -1 ? r.content.length : r.content.indexOf("<");
    let u = 0;
    for (const [length, at] of r.arrivals) {
      if (length > proseEnd) break;
      while (u < upstream.length && upstream[u][0] < length) u++;
      if (u < upstream.length && u >= skip) out.push(at - upstream[u][1]);
    }
  }
  return out.sort((a, b) => a - b);
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const rss = Object.fromEntries(names.map((name) => [name, {}]));
const sampleRss = (key) => names.forEach((name) => (rss[name][key] = rssKB(proxyPid[name]())));

const probesOf = new Map(); // pid → reports asked for so far (the probe numbers its files the same way)
/** Signals a proxy's heap probe and waits for its report: { heapUsed, young, live } in bytes (see heap-probe.cjs). */
async function heapOf(pid) {
  const sequence = probesOf.get(pid) ?? 0;
  probesOf.set(pid, sequence + 1);
  const file = join(configDir, `${pid}-${sequence}.json`);
  process.kill(pid, "SIGUSR2");
  for (let waited = 0; waited < 30_000; waited += 50) {
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
    await sleep(50);
  }
  throw new Error(`no heap report from process ${pid}`);
}

/**
 * Holds HELD slow streams open through one proxy for HOLD_S seconds (each read as it arrives, like a client would),
 * then drops them all. Returns the proxy's RSS before, at the end of the hold, and SETTLE_S seconds after the drop.
 */
async function hold(name) {
  const pid = proxyPid[name]();
  const before = rssKB(pid);
  const controller = new AbortController();
  let streaming = 0;
  let allStreaming;
  const ready = new Promise((resolve) => (allStreaming = resolve));
  const one = async (i) => {
    const response = await fetch(`${targets[name]}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      signal: controller.signal,
      body: JSON.stringify({ model: "bench", stream: true, tools: [tool], messages: [{ role: "user", content: `stream-8${i} held: what is the weather in Oslo?` }] }),
    });
    if (!response.ok) throw new Error(`${name} held stream: HTTP ${response.status} ${await response.text()}`);
    const reader = response.body.getReader();
    await reader.read();
    if (++streaming === HELD) allStreaming();
    while (!(await reader.read()).done);
    throw new Error(`${name} held stream ended before the hold did (raise BENCH_HOLD_PACE_MS)`);
  };
  const streams = Array.from({ length: HELD }, (_, i) => one(i).catch((error) => (controller.signal.aborted ? undefined : Promise.reject(error))));
  await Promise.race([ready, Promise.all(streams), sleep(30_000).then(() => Promise.reject(new Error(`${name}: ${streaming}/${HELD} held streams started in 30 s`)))]);
  await sleep(HOLD_S * 1000);
  const held = rssKB(pid);
  const heldHeap = await heapOf(pid);
  controller.abort();
  await Promise.all(streams);
  await sleep(SETTLE_S * 1000);
  const after = rssKB(pid);
  return { before, held, after, heldHeap, afterHeap: await heapOf(pid) };
}

// Warm-up (JIT, connection pools), then measured rounds alternating the order.
sampleRss("start");
const loadBefore = loadavg();
for (const name of Object.keys(targets)) check(name, (await run(name, false, 9)).results);
sampleRss("warm");

const perName = (make) => Object.fromEntries(names.map((name) => [name, make()]));
const wall = perName(() => []);
const cpu = perName(() => []);
const sideCpu = perName(() => ({ double: [], bench: [] }));
let chunksPerStream = {};
let readsPerStream = {};
for (let round = 0; round < ROUNDS; round++) {
  // Each proxy goes first in turn.
  const order = names.map((_, i) => names[(i + round) % names.length]);
  for (const name of order) {
    const { seconds, cpu: used, doubleCpu, benchCpu, results } = await run(name, false, round + 1);
    check(name, results);
    wall[name].push(seconds);
    if (used !== undefined) cpu[name].push(used);
    if (doubleCpu !== undefined) sideCpu[name].double.push(doubleCpu);
    sideCpu[name].bench.push(benchCpu);
    chunksPerStream[name] = median(results.map((r) => r.chunks));
    readsPerStream[name] = median(results.map((r) => r.reads));
  }
}

await sleep(SETTLE_S * 1000);
sampleRss("afterBurst");

const latency = {};
// The same without each stream's first 3 s: what is left once 50 streams that started together are under way, to tell
// the cost of their start (all at once) from the rest; see apps/docs/scaling.md, "CPU and latency".
const STEADY_SKIP = Math.ceil(3000 / PACE_MS);
const steadyLatency = {};
const pacedCpu = {};
const pacedThreads = {};
for (const name of Object.keys(targets)) {
  tapRecords.clear();
  const threadsBefore = cpuByThread(proxyPid[name]());
  const { results, cpu: used } = await run(name, true, 7);
  const threadsAfter = cpuByThread(proxyPid[name]());
  pacedThreads[name] = { main: threadsAfter.main - threadsBefore.main, others: threadsAfter.others - threadsBefore.others };
  check(name, results);
  latency[name] = latencies(results);
  steadyLatency[name] = latencies(results, STEADY_SKIP);
  pacedCpu[name] = used;
}
const held = {};
for (const name of names) held[name] = await hold(name);
const loadAfter = loadavg();

const upstreamChunks = CHUNKS + 1; // prose chunks plus the stream tag; the call markup adds a few more
const throughput = Object.fromEntries(Object.entries(wall).map(([name, s]) => [name, (STREAMS * upstreamChunks) / median(s)]));
const ratio = (100 * throughput.toolshim) / throughput["pass-through"];
const ms = (v) => `${v.toFixed(2)} ms`;
const load = (l) => l.map((v) => v.toFixed(1)).join(" ");
console.log(
  `gateway bench: ${STREAMS} concurrent streams, ${upstreamChunks}+ upstream chunks each, ${ROUNDS} rounds (median), node ${process.version}, ` +
    `load average ${load(loadBefore)} → ${load(loadAfter)}`,
);
for (const name of Object.keys(targets)) {
  console.log(
    `  ${name.padEnd(16)} ${Math.round(throughput[name]).toLocaleString("en-US").padStart(9)} upstream chunks/s  ` +
      `(${chunksPerStream[name]} client chunks/stream in ${readsPerStream[name]} reads; wall ${wall[name].map((s) => s.toFixed(2)).join("/")} s)  ` +
      `latency per chunk p50 ${ms(pct(latency[name], 50))}, p99 ${ms(pct(latency[name], 99))}  (paced ${PACE_MS} ms, ${latency[name].length} chunks)`,
  );
}
if (tapErrors.length) console.log(`  (tap saw ${tapErrors.length} upstream connection errors, e.g. ${tapErrors[0]})`);
if (cpu.toolshim.length) {
  const perThousand = (seconds) => (1000 * 1000 * seconds) / (STREAMS * upstreamChunks);
  const proxyCpu = (name) => perThousand(median(cpu[name]));
  const translated = targets[TRANSLATOR] ? `, minimal translator ${proxyCpu(TRANSLATOR).toFixed(1)} ms` : "";
  console.log(
    `  proxy process CPU per 1000 upstream chunks (median): pass-through ${proxyCpu("pass-through").toFixed(1)} ms, ` +
      `toolshim ${proxyCpu("toolshim").toFixed(1)} ms${translated}`,
  );
  if (pacedCpu.toolshim !== undefined) {
    const pacedTranslated = targets[TRANSLATOR] ? `, minimal translator ${perThousand(pacedCpu[TRANSLATOR]).toFixed(1)} ms` : "";
    console.log(
      `  the same while paced (one upstream chunk per read): pass-through ${perThousand(pacedCpu["pass-through"]).toFixed(1)} ms, ` +
        `toolshim ${perThousand(pacedCpu.toolshim).toFixed(1)} ms${pacedTranslated}`,
    );
  }
  if (Number.isFinite(pacedThreads.toolshim?.main)) {
    // Where the paced gap is: toolshim's JavaScript on the main thread, or the GC helper threads (apps/docs/scaling.md).
    const threads = (name) => `main thread ${perThousand(pacedThreads[name].main).toFixed(1)}, other threads ${perThousand(pacedThreads[name].others).toFixed(1)}`;
    const translatorThreads = targets[TRANSLATOR] ? `; minimal translator ${threads(TRANSLATOR)}` : "";
    console.log(`    by thread (ms per 1000 chunks): pass-through ${threads("pass-through")}; toolshim ${threads("toolshim")}${translatorThreads}`);
  }
  const side = (name, key) => (sideCpu[name][key].length ? perThousand(median(sideCpu[name][key])).toFixed(1) : "?");
  console.log(
    `  shared by both (per 1000 chunks, during each proxy's rounds): double ${side("pass-through", "double")}/${side("toolshim", "double")} ms, ` +
      `client + tap ${side("pass-through", "bench")}/${side("toolshim", "bench")} ms`,
  );
  const cpuRatio = proxyCpu("toolshim") / proxyCpu("pass-through");
  console.log(`toolshim CPU per chunk: ${cpuRatio.toFixed(2)}x the pass-through's (goal ≤ 1.5x)`);
  if (cpuRatio > 1.5) {
    console.log(
      "  (the pass-through forwards bytes; toolshim decodes, parses, scans and re-encodes each chunk and sets up each request: " +
        "chunk-cost-bench.mjs, run next by pnpm bench, splits that cost; apps/docs/scaling.md, \"CPU and latency\", explains it)",
    );
  }
  if (targets[TRANSLATOR]) printTranslatorShare(proxyCpu, perThousand);
}
console.log(`toolshim throughput: ${ratio.toFixed(1)}% of pass-through (goal ≥ 90%)` + (targets[TRANSLATOR] ? `, ${((100 * throughput.toolshim) / throughput[TRANSLATOR]).toFixed(1)}% of the minimal translator's` : ""));

/**
 * toolshim against the minimal translator, and how much of toolshim's CPU gap over the pass-through the translator
 * already pays: the part any stream-rewriting gateway pays, as opposed to toolshim's own.
 */
function printTranslatorShare(proxyCpu, perThousand) {
  const shapes = [
    ["bursts", proxyCpu],
    ["paced", (name) => perThousand(pacedCpu[name])],
  ];
  for (const [shape, cpuOf] of shapes) {
    const [pass, tool, min] = ["pass-through", "toolshim", TRANSLATOR].map(cpuOf);
    if (![pass, tool, min].every(Number.isFinite)) continue;
    console.log(
      `toolshim CPU per chunk, ${shape}: ${(tool / pass).toFixed(2)}x the pass-through's, ${(tool / min).toFixed(2)}x the minimal translator's ` +
        `(which is ${(min / pass).toFixed(2)}x the pass-through's and pays ${((100 * (min - pass)) / (tool - pass)).toFixed(0)}% of toolshim's gap over it)`,
    );
  }
  console.log("  (the minimal translator parses no tools: its streams carry the call markup as text, and the check accepts no tool call for it only)");
}
if (targets.baseline) {
  console.log(
    `toolshim vs the baseline build: ${((100 * throughput.toolshim) / throughput.baseline).toFixed(1)}% of its throughput, ` +
      `${(median(cpu.toolshim) / median(cpu.baseline)).toFixed(2)}x its CPU per chunk` +
      (pacedCpu.baseline ? ` (${(pacedCpu.toolshim / pacedCpu.baseline).toFixed(2)}x while paced)` : ""),
  );
}
if (WITH_CONSOLE) {
  const cpuRatio = cpu.toolshim.length ? ` and ${(median(cpu["toolshim+console"]) / median(cpu.toolshim)).toFixed(2)}x its CPU per chunk` : "";
  console.log(
    `toolshim with the console on: ${((100 * throughput["toolshim+console"]) / throughput.toolshim).toFixed(1)}% of toolshim's throughput${cpuRatio}; ` +
      `added latency per chunk p50 ${ms(pct(latency["toolshim+console"], 50) - pct(latency.toolshim, 50))}`,
  );
}
console.log(
  `toolshim added latency per chunk: p50 ${ms(pct(latency.toolshim, 50) - pct(latency["pass-through"], 50))}, ` +
    `p99 ${ms(pct(latency.toolshim, 99) - pct(latency["pass-through"], 99))} (goal p99 ≤ 1 ms)`,
);
if (steadyLatency.toolshim.length) {
  const steady = (name) => `p50 ${ms(pct(steadyLatency[name], 50))}, p99 ${ms(pct(steadyLatency[name], 99))}`;
  console.log(
    `  after each stream's first 3 s (${steadyLatency.toolshim.length} chunks): pass-through ${steady("pass-through")}, toolshim ${steady("toolshim")}; ` +
      `added p50 ${ms(pct(steadyLatency.toolshim, 50) - pct(steadyLatency["pass-through"], 50))}, ` +
      `p99 ${ms(pct(steadyLatency.toolshim, 99) - pct(steadyLatency["pass-through"], 99))}`,
  );
}
if (held.toolshim.held !== undefined) {
  const perStream = (name) => (held[name].held - held[name].before) / HELD;
  const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;
  console.log(`  memory: ${HELD} streams held open ${HOLD_S} s (a chunk every ${HOLD_PACE_MS} ms), RSS from /proc, settled ${SETTLE_S} s after each burst`);
  for (const name of names) {
    const r = rss[name];
    const h = held[name];
    console.log(
      `  ${name.padEnd(16)} ${perStream(name).toFixed(0).padStart(5)} KB per held stream (${mb(h.before)} → ${mb(h.held)} → ${mb(h.after)} after they ended); ` +
        `RSS at start ${mb(r.start)}, after warm-up ${mb(r.warm)}, after the fast rounds ${mb(r.afterBurst)}`,
    );
  }
  // Live heap per stream: what a full collection keeps with the streams held, minus what it keeps once they ended.
  const livePerStream = (name) => (held[name].heldHeap.live - held[name].afterHeap.live) / 1024 / HELD;
  for (const name of names) {
    const { heldHeap } = held[name];
    console.log(
      `  ${name.padEnd(16)} heap while held: live ${livePerStream(name).toFixed(0).padStart(3)} KB per held stream, ` +
        `in use ${mb(heldHeap.heapUsed / 1024)} (garbage included), young generation ${mb(heldHeap.young / 1024)}`,
    );
  }
  const ratioOf = (name) => perStream(name) / perStream("pass-through");
  console.log(
    `toolshim memory per held stream: ${ratioOf("toolshim").toFixed(2)}x the pass-through's (goal ≤ 1.5x); ` +
      `live heap per held stream: ${(livePerStream("toolshim") / livePerStream("pass-through")).toFixed(2)}x`,
  );
  console.log(
    `toolshim RSS after a burst: ${(rss.toolshim.afterBurst / rss.toolshim.warm).toFixed(2)}x its RSS after warm-up after the fast rounds, ` +
      `${(held.toolshim.after / held.toolshim.before).toFixed(2)}x after the held streams (pass-through: ` +
      `${(rss["pass-through"].afterBurst / rss["pass-through"].warm).toFixed(2)}x, ${(held["pass-through"].after / held["pass-through"].before).toFixed(2)}x)`,
  );
  if (targets.baseline) {
    // A ratio only means something when the baseline's own growth is above the noise of RSS readings (a few MB across
    // HELD streams); below that, or negative, it swings wildly (-3.46x, 17.85x), so the absolute figures are printed.
    const base = perStream("baseline");
    const noiseKB = 4096 / HELD;
    const compared = base > noiseKB ? `${(perStream("toolshim") / base).toFixed(2)}x` : `no ratio: the baseline grew by less than ${noiseKB.toFixed(0)} KB per stream`;
    console.log(`toolshim memory per held stream vs the baseline build: ${perStream("toolshim").toFixed(0)} KB vs ${base.toFixed(0)} KB (${compared})`);
  }
}
process.exit(0);
