// Proof-of-work benchmark: the TypeScript DeepSeekHashV1 solver (as shipped: worker thread, end to end) against a C
// build of the same search (bench/pow-baseline.c, compiled now with the system compiler at -O2), on the same
// challenges in the same run. Also measures how long the event loop stalls while the worker searches.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const DIFFICULTY = 144000;
const RUNS = 3;

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
  execFileSync("pnpm", ["exec", "tsup", "src/pow/index.ts", "--no-config", "--format", "esm", "--target", "node20", "--out-dir", work, "--silent"], {
    cwd: packageDir,
    stdio: "inherit",
  });
  const pow = await import(pathToFileURL(join(work, "index.js")).href);
  const challenges = benchChallenges(pow.deepSeekHashV1);
  console.log(`pow-bench: ${challenges.length} challenges at difficulty ${DIFFICULTY}, ${RUNS} runs each (median per challenge, then median over challenges)`);

  // Warm-up: starts the worker and lets V8 optimise the search loop before anything is timed.
  for (const challenge of challenges.slice(0, 2)) await pow.solvePowChallenge(challenge);

  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const started = performance.now();
  const tsTimes = [];
  for (const challenge of challenges) {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const t0 = performance.now();
      const answer = await pow.solvePowChallenge(challenge);
      runs.push(performance.now() - t0);
      if (answer !== challenge.answer) throw new Error(`TypeScript solver answered ${answer}, expected ${challenge.answer}`);
    }
    tsTimes.push(median(runs));
  }
  const solvingMs = performance.now() - started;
  loopDelay.disable();

  const idleDelay = monitorEventLoopDelay({ resolution: 1 });
  idleDelay.enable();
  await new Promise((resolve) => setTimeout(resolve, Math.min(solvingMs, 3000)));
  idleDelay.disable();

  const tsMedian = median(tsTimes);
  const hashes = challenges.reduce((sum, c) => sum + c.answer + 1, 0);
  console.log(`TypeScript solver (worker thread, end to end) median solve: ${tsMedian.toFixed(1)} ms`);
  console.log(`TypeScript throughput: ${(hashes / sum(tsTimes)).toFixed(0)} k hashes/s`);

  const cTimes = runBaseline(challenges);
  if (cTimes !== undefined) {
    const cMedian = median(cTimes);
    console.log(`C baseline (cc -O2, same search) median solve: ${cMedian.toFixed(1)} ms`);
    console.log(`C throughput: ${(hashes / sum(cTimes)).toFixed(0)} k hashes/s`);
    console.log(`TypeScript / C: ${(tsMedian / cMedian).toFixed(1)}x`);
  }
  console.log(`event-loop max delay while the worker solved (${(solvingMs / 1000).toFixed(1)} s): ${(loopDelay.max / 1e6).toFixed(1)} ms`);
  console.log(`event-loop max delay idle, for comparison: ${(idleDelay.max / 1e6).toFixed(1)} ms`);
}

/** Compiles and runs the C baseline; undefined (with a message) when no compiler is available. */
function runBaseline(challenges) {
  const binary = join(work, "pow-baseline");
  const compiler = ["cc", "gcc", "clang"].find((name) => spawnSync(name, ["--version"], { stdio: "ignore" }).status === 0);
  if (compiler === undefined) {
    console.log("C baseline skipped: no C compiler (cc, gcc or clang) on PATH");
    return undefined;
  }
  execFileSync(compiler, ["-O2", "-o", binary, join(packageDir, "bench", "pow-baseline.c")], { stdio: "inherit" });
  const input = Array.from({ length: RUNS }, () =>
    challenges.map((c) => `${c.salt}_${c.expire_at}_ ${c.challenge} ${c.difficulty}`).join("\n"),
  ).join("\n");
  const lines = execFileSync(binary, { input: `${input}\n`, encoding: "utf8" }).trim().split("\n");
  return challenges.map((challenge, i) => {
    const runs = [];
    for (let run = 0; run < RUNS; run++) {
      const [answer, ns] = lines[run * challenges.length + i].split(" ").map(Number);
      if (answer !== challenge.answer) throw new Error(`C baseline answered ${answer}, expected ${challenge.answer}`);
      runs.push(ns / 1e6);
    }
    return median(runs);
  });
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
