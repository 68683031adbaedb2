// Proof-of-work benchmark: the DeepSeekHashV1 solver as shipped (worker thread, end to end) with each of its kernels —
// the WebAssembly one it uses by default and the TypeScript fallback — against a C build of the same search
// (bench/pow-baseline.c, compiled now with the system compiler at -O2, or with the flags in POW_BENCH_CFLAGS), on the
// same challenges in the same run. Also measures how long the event loop stalls while the worker searches, and then
// compares the bare kernels with C by CPU time, which other processes on a shared machine inflate far less than
// elapsed time.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const DIFFICULTY = 144000;
const RUNS = 5;
const KERNELS = ["wasm", "typescript"];
const C_FLAGS = (process.env.POW_BENCH_CFLAGS ?? "-O2").split(/\s+/).filter(Boolean);

// Inside the package so the built module resolves @toolshim/core from the package's node_modules.
const cacheDir = join(packageDir, "node_modules", ".cache");
mkdirSync(cacheDir, { recursive: true });
const work = mkdtempSync(join(cacheDir, "pow-bench-"));
try {
  await main();
} finally {
  rmSync(work, { recursive: true, force: true });
}

async function main() {
  // Build only the PoW module, with the same bundler as the package build, so the bench does not depend on the rest of
  // the package compiling.
  const entries = ["index", "pow-kernel", "pow-wasm-module", "wasm-pow-kernel"].map((name) => `src/pow/${name}.ts`);
  execFileSync("pnpm", ["exec", "tsup", ...entries, "--no-config", "--format", "esm", "--target", "node20", "--out-dir", work, "--silent"], {
    cwd: packageDir,
    stdio: "inherit",
  });
  const load = (name) => import(pathToFileURL(join(work, `${name}.js`)).href);
  const pow = await load("index");
  const challenges = benchChallenges(pow.deepSeekHashV1);
  const baseline = startBaseline();
  const loadAtStart = loadavg()[0];
  console.log(
    `pow-bench: ${challenges.length} challenges at difficulty ${DIFFICULTY}, Node ${process.versions.node}; ` +
      `${KERNELS.join(", ")}${baseline === undefined ? "" : " and C"} runs interleaved, fastest of ${RUNS} per challenge, ` +
      `median over challenges`,
  );

  const solvers = KERNELS.map((kernel) => new pow.PowSolver({ kernel }));
  // Warm-up: starts the workers and lets the engine optimise the search (V8 tiers WebAssembly up to its optimising
  // compiler, and JavaScript likewise, only after the code has run a while) before anything is timed.
  for (const solver of solvers) {
    for (const challenge of challenges.slice(0, 2)) await pow.solvePowChallenge(challenge, undefined, solver);
  }

  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const runs = KERNELS.map(() => challenges.map(() => []));
  const cRuns = challenges.map(() => []);
  let solvingMs = 0;
  // Enabled once for the whole loop: re-enabling the histogram records the time it was disabled as one long delay.
  // The event loop has nothing to do during the C runs either (the baseline is a child process).
  loopDelay.enable();
  for (let run = 0; run < RUNS; run++) {
    for (const [i, challenge] of challenges.entries()) {
      for (const [k, solver] of solvers.entries()) {
        const t0 = performance.now();
        const answer = await pow.solvePowChallenge(challenge, undefined, solver);
        const elapsed = performance.now() - t0;
        solvingMs += elapsed;
        if (answer !== challenge.answer) throw new Error(`${KERNELS[k]} solver answered ${answer}, expected ${challenge.answer}`);
        runs[k][i].push(elapsed);
      }
      if (baseline !== undefined) cRuns[i].push((await baseline.solve(challenge)).wallMs);
    }
  }
  loopDelay.disable();
  const cpu = await compareCpuTime(challenges, baseline, {
    wasm: (await load("wasm-pow-kernel")).createWasmPowKernel((await load("pow-wasm-module")).emitPowWasmModule()),
    typescript: (await load("pow-kernel")).createPowKernel(),
  });
  baseline?.close();
  const ran = solvers.map((solver) => solver.kernel);
  await Promise.all(solvers.map((solver) => solver.close()));

  const idleDelay = monitorEventLoopDelay({ resolution: 1 });
  idleDelay.enable();
  await new Promise((resolve) => setTimeout(resolve, Math.min(solvingMs, 3000)));
  idleDelay.disable();

  const hashes = challenges.reduce((total, c) => total + c.answer + 1, 0);
  const cTimes = baseline === undefined ? undefined : cRuns.map((runs) => Math.min(...runs));
  const cMedian = cTimes === undefined ? undefined : median(cTimes);
  for (const [k, kernel] of KERNELS.entries()) {
    const times = runs[k].map((runs) => Math.min(...runs));
    const ratio = cMedian === undefined ? "" : `, ${(median(times) / cMedian).toFixed(2)}x C`;
    const note = ran[k] === kernel ? "" : ` (asked for ${kernel}: not available here)`;
    console.log(
      `solver on the ${ran[k]} kernel${note} (worker thread, end to end): median solve ${median(times).toFixed(1)} ms, ` +
        `${(hashes / sum(times)).toFixed(0)} k hashes/s${ratio}`,
    );
  }
  if (cTimes !== undefined) {
    console.log(`C baseline (${C_FLAGS.join(" ")}, same search): median solve ${cMedian.toFixed(1)} ms, ${(hashes / sum(cTimes)).toFixed(0)} k hashes/s`);
  }
  if (cpu !== undefined) {
    const [cName, cMs] = cpu.at(-1);
    for (const [name, ms] of cpu.slice(0, -1)) {
      console.log(`${name} kernel alone, CPU time: median solve ${ms.toFixed(1)} ms, ${(ms / cMs).toFixed(2)}x C`);
    }
    console.log(`${cName} alone, CPU time: median solve ${cMs.toFixed(1)} ms`);
  }
  const delay = (histogram) => `max ${(histogram.max / 1e6).toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms`;
  console.log(`event-loop delay while the workers and C solved (${(solvingMs / 1000).toFixed(1)} s in the workers): ${delay(loopDelay)}`);
  console.log(`event-loop delay idle, for comparison: ${delay(idleDelay)}`);
  // Other processes competing for the cores show up in every figure above, the event-loop delays most of all.
  console.log(`1-minute load average at start / end / cores: ${loadAtStart.toFixed(1)} / ${loadavg()[0].toFixed(1)} / ${availableParallelism()}`);
}

/**
 * Compiles the C baseline and keeps it running, fed one challenge at a time; undefined (with a message) when no
 * compiler is available.
 */
function startBaseline() {
  const binary = join(work, "pow-baseline");
  const compiler = ["cc", "gcc", "clang"].find((name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0);
  if (compiler === undefined) {
    console.log("C baseline skipped: no C compiler (cc, gcc or clang) on PATH");
    return undefined;
  }
  execFileSync(compiler, [...C_FLAGS, "-o", binary, join(packageDir, "bench", "pow-baseline.c")], { stdio: "inherit" });
  const child = spawn(binary, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (line) => waiting.shift()?.(line));
  return {
    async solve(challenge) {
      const line = await new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin.write(`${challenge.salt}_${challenge.expire_at}_ ${challenge.challenge} ${challenge.difficulty}\n`);
      });
      const [answer, ns, cpuNs] = line.split(" ").map(Number);
      if (answer !== challenge.answer) throw new Error(`C baseline answered ${answer}, expected ${challenge.answer}`);
      return { wallMs: ns / 1e6, cpuMs: cpuNs / 1e6 };
    },
    close() {
      child.stdin.end();
    },
  };
}

/**
 * The kernels called directly on this thread, timed by this thread's CPU time, interleaved with the C baseline's
 * (which reports its own thread's CPU time); fastest of RUNS per challenge, median over challenges. Returns
 * [name, median ms] pairs with C last, or undefined where this Node cannot read a thread's CPU time (before 23.9) or
 * there is no C baseline.
 */
async function compareCpuTime(challenges, baseline, kernels) {
  if (baseline === undefined || typeof process.threadCpuUsage !== "function") {
    console.log("CPU-time comparison skipped: needs the C baseline and process.threadCpuUsage (Node 23.9 or later)");
    return undefined;
  }
  const cpuMs = () => {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  };
  const encoder = new TextEncoder();
  const jobs = challenges.map((c) => ({
    prefix: encoder.encode(`${c.salt}_${c.expire_at}_`),
    target: Uint8Array.from(Buffer.from(c.challenge, "hex")),
    challenge: c,
  }));
  const entries = Object.entries(kernels);
  for (const [, kernel] of entries) for (const job of jobs.slice(0, 2)) kernel.solve(job.prefix, job.target, 0, DIFFICULTY);
  const times = [...entries.map(() => jobs.map(() => [])), jobs.map(() => [])];
  for (let run = 0; run < RUNS; run++) {
    for (const [i, job] of jobs.entries()) {
      for (const [k, [name, kernel]] of entries.entries()) {
        const t0 = cpuMs();
        const answer = kernel.solve(job.prefix, job.target, 0, DIFFICULTY);
        times[k][i].push(cpuMs() - t0);
        if (answer !== job.challenge.answer) throw new Error(`${name} kernel answered ${answer}, expected ${job.challenge.answer}`);
      }
      times.at(-1)[i].push((await baseline.solve(job.challenge)).cpuMs);
    }
  }
  const names = [...entries.map(([name]) => name), "C baseline"];
  return times.map((perChallenge, k) => [names[k], median(perChallenge.map((runs) => Math.min(...runs)))]);
}

/**
 * The two real difficulty-144000 challenges of the protocol reference plus synthetic ones whose answers are spread
 * over the range by a fixed-seed generator, so every run (and both solvers) search the same amount.
 */
function benchChallenges(hash) {
  const real = [
    { salt: "404e9b1b931574575ab7", expire_at: 1772967221890, answer: 55317 },
    { salt: "4e8565ce57578f4efb4d", expire_at: 1791027488061, answer: 31223 },
  ];
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const synthetic = Array.from({ length: 5 }, () => ({
    salt: Array.from({ length: 20 }, () => Math.floor(next() * 16).toString(16)).join(""),
    expire_at: 1775380966945 + Math.floor(next() * 1e9),
    answer: Math.floor(next() * DIFFICULTY),
  }));
  return [...real, ...synthetic].map(({ salt, expire_at, answer }) => ({
    algorithm: "DeepSeekHashV1",
    challenge: hash(`${salt}_${expire_at}_${answer}`),
    salt,
    difficulty: DIFFICULTY,
    expire_at,
    expire_after: 300000,
    signature: "0".repeat(64),
    target_path: "/api/v0/chat/completion",
    answer,
  }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}
