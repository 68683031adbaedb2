#!/usr/bin/env node
// Proves the conformance suite catches a broken Chat Completions encoder, without any test hook in production code:
// copies the built server and the workspace packages it loads into a temp dir, rewrites the chunk encoder in that
// copy's core bundle (one breakage per run), points the suite at the copy through TOOLSHIM_CONFORMANCE_CLI, and
// reports which clients failed. A control run on an unpatched copy must pass, or the comparison means nothing.
//
//   pnpm --filter @toolshim/conformance run broken-encoder            # every breakage
//   pnpm --filter @toolshim/conformance run broken-encoder repeat-name interleave
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const suiteDir = join(here, "..");
const repoRoot = join(suiteDir, "../..");
const workspace = ["core", "provider-generic", "provider-deepseek", "server"];
// The suite's own files: the Responses/Anthropic files do not go through the chat chunk encoder.
const files = ["openai-chat", "ai-sdk", "langchain", "mcp-host", "pi-ai", "chat-apps", "chat-wire"].map((name) => `src/${name}.test.ts`);

/**
 * Each breakage wraps the intact encoder and rewrites the chunks it yields. `transform(chunk)` returns the chunks to
 * send instead (`null` flushes at the end); `state` is per response.
 */
const breakages = {
  "repeat-name": {
    rule: "S5/S6: id, type and name repeated on every argument delta",
    transform: `(chunk, state) => {
      for (const call of chunk?.choices?.[0]?.delta?.tool_calls ?? []) {
        if (call.id) state[call.index] = { id: call.id, name: call.function.name };
        else Object.assign(call, { id: state[call.index].id, type: "function", function: { name: state[call.index].name, ...call.function } });
      }
      return chunk ? [chunk] : [];
    }`,
  },
  interleave: {
    rule: "S8: deltas of parallel calls interleaved (round robin by index)",
    transform: `(chunk, state) => {
      state.queues ??= [];
      const call = chunk?.choices?.[0]?.delta?.tool_calls?.[0];
      if (call) {
        (state.queues[call.index] ??= []).push(chunk);
        return [];
      }
      const out = [];
      while (state.queues.some((queue) => queue?.length)) {
        for (const queue of state.queues) if (queue?.length) out.push(queue.shift());
      }
      return chunk ? [...out, chunk] : out;
    }`,
  },
  "early-json": {
    rule: "S9: a complete-looking \"{}\" placeholder in each opening delta, real arguments after it",
    transform: `(chunk) => {
      for (const call of chunk?.choices?.[0]?.delta?.tool_calls ?? []) if (call.id && call.function.arguments === "") call.function.arguments = "{}";
      return chunk ? [chunk] : [];
    }`,
  },
  "index-from-1": {
    rule: "S4: tool call indexes start at 1",
    transform: `(chunk) => {
      for (const call of chunk?.choices?.[0]?.delta?.tool_calls ?? []) call.index += 1;
      return chunk ? [chunk] : [];
    }`,
  },
  "finish-stop": {
    rule: "§1.5: finish_reason \"stop\" on turns with tool calls",
    transform: `(chunk) => {
      const choice = chunk?.choices?.[0];
      if (choice?.finish_reason === "tool_calls") choice.finish_reason = "stop";
      return chunk ? [chunk] : [];
    }`,
  },
  "no-role": {
    rule: "S1: no delta.role on the first chunk",
    transform: `(chunk) => {
      if (chunk?.choices?.[0]?.delta?.role) delete chunk.choices[0].delta.role;
      return chunk ? [chunk] : [];
    }`,
  },
};

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.status !== 0 && !options.allowFailure) throw new Error(`${command} ${args.join(" ")} failed`);
  return result;
}

/** A copy of the four built packages whose dependencies resolve to the real ones, @toolshim/* to each other's copies. */
function mirror(dir) {
  for (const name of workspace) {
    const from = join(repoRoot, "packages", name);
    const to = join(dir, name);
    mkdirSync(to, { recursive: true });
    for (const entry of ["package.json", "dist", "examples"]) if (existsSync(join(from, entry))) cpSync(join(from, entry), join(to, entry), { recursive: true });
    const modules = join(to, "node_modules");
    mkdirSync(join(modules, "@toolshim"), { recursive: true });
    for (const entry of readdirSync(join(from, "node_modules"))) {
      if (entry === "@toolshim") {
        for (const sibling of readdirSync(join(from, "node_modules", entry))) symlinkSync(join(dir, sibling), join(modules, "@toolshim", sibling));
      } else if (entry !== ".bin") {
        symlinkSync(realpathSync(join(from, "node_modules", entry)), join(modules, entry));
      }
    }
  }
  return join(dir, "server", "dist", "cli.js");
}

function patchEncoder(dir, transform) {
  const bundle = join(dir, "core", "dist", "index.js");
  const source = readFileSync(bundle, "utf8");
  const declaration = "async function* encodeChatCompletionChunks(";
  if (!source.includes(declaration)) throw new Error(`cannot find the chunk encoder in ${bundle}; the patch needs updating`);
  writeFileSync(
    bundle,
    source.replace(declaration, "async function* encodeChatCompletionChunks__intact(") +
      `\n// Deliberately broken by tests/conformance/scripts/broken-encoder.mjs\nasync function* encodeChatCompletionChunks(events, options) {\n  const transform = ${transform};\n  const state = {};\n  for await (const chunk of encodeChatCompletionChunks__intact(events, options)) yield* transform(chunk, state);\n  yield* transform(null, state);\n}\n`,
  );
}

/** Runs the suite against a CLI and returns failed tests grouped by client (file › outermost describe). */
function runSuite(cli, label) {
  const report = join(tmpdir(), `toolshim-broken-encoder-${process.pid}-${label}.json`);
  process.stdout.write(`\n=== ${label}: running ${files.length} files ===\n`);
  run("pnpm", ["exec", "vitest", "run", ...files, "--reporter=dot", "--reporter=json", `--outputFile.json=${report}`], {
    cwd: suiteDir,
    env: { ...process.env, TOOLSHIM_CONFORMANCE_CLI: cli },
    allowFailure: true,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const results = JSON.parse(readFileSync(report, "utf8"));
  rmSync(report, { force: true });
  const failed = new Map();
  let total = 0;
  for (const file of results.testResults) {
    for (const test of file.assertionResults) {
      total++;
      if (test.status !== "failed") continue;
      const client = test.ancestorTitles[0] ?? file.name.split("/").pop();
      failed.set(client, (failed.get(client) ?? 0) + 1);
    }
  }
  return { failed, total };
}

const chosen = process.argv.slice(2);
for (const name of chosen) if (!(name in breakages)) throw new Error(`unknown breakage "${name}"; known: ${Object.keys(breakages).join(", ")}`);
const selected = chosen.length ? chosen : Object.keys(breakages);

run("pnpm", ["exec", "turbo", "run", "build", "--filter=@toolshim/server...", "--output-logs=errors-only"], { cwd: repoRoot });
const root = mkdtempSync(join(tmpdir(), "toolshim-broken-encoder-"));
const summary = [];
try {
  const control = runSuite(mirror(join(root, "control")), "control (unpatched copy)");
  summary.push({ name: "control", rule: "unpatched copy of the build", ...control });
  for (const name of selected) {
    const dir = join(root, name);
    const cli = mirror(dir);
    patchEncoder(dir, breakages[name].transform);
    summary.push({ name, rule: breakages[name].rule, ...runSuite(cli, name) });
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

let ok = true;
process.stdout.write("\nbreakage | rule | failed tests | clients that caught it\n--- | --- | --- | ---\n");
for (const { name, rule, failed, total } of summary) {
  const count = [...failed.values()].reduce((a, b) => a + b, 0);
  const clients = [...failed.entries()].map(([client, n]) => `${client} (${n})`).join("; ") || "none";
  process.stdout.write(`${name} | ${rule} | ${count}/${total} | ${clients}\n`);
  if (name === "control" ? count > 0 : count === 0) ok = false;
}
if (!ok) {
  process.stdout.write("\nFAILED: the control run failed, or a breakage went unnoticed.\n");
  process.exit(1);
}
process.stdout.write("\nEvery breakage was caught, and the unpatched copy passed.\n");
