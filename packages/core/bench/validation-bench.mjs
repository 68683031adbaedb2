// Argument validation cost, measured in one run (run after `pnpm build`; the root `pnpm bench` builds first).
//
//   node bench/validation-bench.mjs
//
// 1. One call checked against a 40-property tool schema with patterns and formats: toolshim's validateAgainstSchema
//    (regexes on RE2, budgets) against @cfworker/json-schema alone on the same schema and arguments (ratio).
// 2. Compiling that schema when a request is decoded: a schema seen before (cached by its JSON text, as clients resend
//    their tools) against a new one.
// 3. `^(a+)+$` against "aaa…a!": the host's backtracking RegExp doubles its time per character; RE2's stays flat.
import { Validator } from "@cfworker/json-schema";
import { compileSchema, validateAgainstSchema } from "../dist/index.js";

function schema(salt = "") {
  const properties = {};
  for (let i = 0; i < 40; i++) {
    properties[`p${i}${salt}`] =
      i % 4 === 0 ? { type: "string", pattern: "^[a-z0-9_-]{1,64}$", description: "an identifier" }
      : i % 4 === 1 ? { type: "string", format: "date-time" }
      : i % 4 === 2 ? { type: "object", properties: { a: { type: "integer", minimum: 0 }, b: { type: "array", items: { type: "string", enum: ["x", "y", "z"] } } }, required: ["a"] }
      : { anyOf: [{ type: "string" }, { type: "null" }] };
  }
  return { type: "object", properties, required: [`p0${salt}`] };
}
const args = {};
for (let i = 0; i < 40; i++) args[`p${i}`] = i % 4 === 0 ? "abc_def" : i % 4 === 1 ? "2024-01-02T03:04:05Z" : i % 4 === 2 ? { a: 1, b: ["x", "y"] } : null;

/** Median microseconds per call over 7 rounds. */
function measure(fn, iterations) {
  for (let i = 0; i < iterations; i++) fn(i);
  const rounds = [];
  for (let round = 0; round < 7; round++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) fn(i);
    rounds.push(((performance.now() - started) * 1000) / iterations);
  }
  return rounds.sort((a, b) => a - b)[3];
}

const compiled = compileSchema(schema());
const baseline = new Validator(schema(), "2020-12", false);
if (!validateAgainstSchema(compiled, args).valid || !baseline.validate(args).valid) throw new Error("the bench arguments must be valid");
const ours = measure(() => validateAgainstSchema(compiled, args), 2000);
const theirs = measure(() => baseline.validate(args), 2000);
console.log(`validate one call, 40 properties: toolshim ${ours.toFixed(0)} µs, @cfworker/json-schema alone ${theirs.toFixed(0)} µs (${(ours / theirs).toFixed(1)}×)`);

const known = measure(() => compileSchema(schema()), 2000);
const fresh = measure((i) => compileSchema(schema(`_${i}_${Math.random()}`)), 500);
console.log(`compile at decode: a schema sent before ${known.toFixed(0)} µs, a new one ${fresh.toFixed(0)} µs`);

const redos = compileSchema({ type: "object", properties: { s: { type: "string", pattern: "^(a+)+$" } } });
for (const length of [16, 18, 20, 22]) {
  const input = `${"a".repeat(length)}!`;
  const native = measure(() => /^(a+)+$/u.test(input), 3);
  const re2 = measure(() => validateAgainstSchema(redos, { s: input }), 200);
  console.log(`^(a+)+$ on ${length} a's and "!": backtracking RegExp ${(native / 1000).toFixed(1)} ms, toolshim (RE2) ${(re2 / 1000).toFixed(3)} ms`);
}
const long = `${"a".repeat(100_000)}!`;
console.log(`^(a+)+$ on 100 000 a's and "!": toolshim (RE2) ${(measure(() => validateAgainstSchema(redos, { s: long }), 5) / 1000).toFixed(1)} ms`);
