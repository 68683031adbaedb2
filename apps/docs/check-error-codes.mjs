// Checks that the error codes the documentation names and the codes the code returns agree.
//
//   node check-error-codes.mjs      (part of `pnpm --filter @toolshim/docs test`)
//
// 1. Every error code named in these docs and the README is one some package returns. A code counts as named where
//    the text says so: after a status (`502 \`upstream_incomplete\``), after the word "code", in a table column headed
//    "code" or "violation kind", or in parentheses on a row of a table keyed by status.
// 2. Every code @toolshim/core returns (its `code` literals and every policy violation kind) is named in core.md.
// It fails with the list of disagreements. It once caught a real one: core.md said `unknown_tool` for a call to an
// undeclared tool while the engine answered `malformed_call`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const docsDir = dirname(fileURLToPath(import.meta.url));
const root = join(docsDir, "..", "..");
const CODE = "`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`";

/** Codes the documentation names, with the file that names each. */
export function documentedCodes(files) {
  const named = new Map();
  const inline = [
    new RegExp(`\\b[1-5]\\d\\d\`?,? ${CODE}`, "g"),
    new RegExp(`\\bcodes?:? ${CODE}`, "gi"),
    new RegExp(`\`code\`:? ${CODE}`, "g"),
    new RegExp(`\\bcode \\(${CODE}`, "g"),
  ];
  for (const file of files) {
    let codeColumn = -1;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      for (const pattern of inline) for (const match of line.matchAll(pattern)) named.set(match[1], file);
      if (!line.startsWith("|")) {
        codeColumn = -1;
        continue;
      }
      const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
      if (cells.every((cell) => /^:?-+:?$/.test(cell))) continue;
      const header = cells.findIndex((cell) => /^(error )?codes?$|^violation kind$/i.test(cell));
      if (header >= 0 && !cells.some((cell) => cell.includes("`"))) {
        codeColumn = header;
        continue;
      }
      const column = codeColumn >= 0 ? (cells[codeColumn] ?? "") : "";
      for (const match of column.matchAll(new RegExp(CODE, "g"))) named.set(match[1], file);
      if (/^`?[1-5]\d\d`?$/.test(cells[0] ?? "")) {
        for (const match of line.matchAll(new RegExp(`\\(${CODE}`, "g"))) named.set(match[1], file);
      }
    }
  }
  return named;
}

function sourceFiles(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry === "__fixtures__" || entry === "double" || entry === "e2e") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (path.endsWith(".ts") && !path.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const isComment = (line) => /^\s*(\/\/|\*|\/\*)/.test(line);

/** Every snake_case string on a line about a `code` (generous: for checking that named codes exist). */
function mentionedCodes(files) {
  const codes = new Set();
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (isComment(line) || !/\bcode\b/.test(line)) continue;
      for (const match of line.matchAll(/"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"/g)) codes.add(match[1]);
    }
  }
  return codes;
}

/** The codes a package returns (strict: `code: "x"`, `code ?? "x"`, and the values a `code` variable is given). */
function returnedCodes(files) {
  const codes = new Set();
  for (const file of files) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (isComment(line)) continue;
      for (const match of line.matchAll(/\bcode(?::|\s*\?\?)\s*"([a-z][a-z0-9_]+)"/g)) codes.add(match[1]);
      if (/\bconst code = /.test(line)) {
        for (const match of line.matchAll(/(?<![=!]== )"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"/g)) codes.add(match[1]);
      }
    }
  }
  return codes;
}

function violationKinds() {
  const text = readFileSync(join(root, "packages/core/src/policy/policy-violation.ts"), "utf8");
  const union = /export type PolicyViolationKind =([\s\S]*?);/.exec(text)?.[1] ?? "";
  return [...union.matchAll(/\| "([a-z_]+)"/g)].map((match) => match[1]);
}

const docs = [join(root, "README.md"), ...readdirSync(docsDir).filter((file) => file.endsWith(".md")).map((file) => join(docsDir, file))];
const named = documentedCodes(docs);
const packages = join(root, "packages");
const allSources = readdirSync(packages).flatMap((name) => {
  const src = join(packages, name, "src");
  try {
    return sourceFiles(src);
  } catch {
    return [];
  }
});
const kinds = violationKinds();
const exist = new Set([...mentionedCodes(allSources), ...kinds]);
const coreCodes = new Set([...returnedCodes(sourceFiles(join(packages, "core", "src"))), ...kinds]);
const coreDoc = readFileSync(join(docsDir, "core.md"), "utf8");

const problems = [];
// The extraction itself must work, or an empty list would pass.
if (named.size < 20) problems.push(`only ${named.size} documented codes found: the extraction is broken`);
if (kinds.length < 7) problems.push(`only ${kinds.length} violation kinds found in policy-violation.ts`);
for (const [code, file] of named) {
  if (!exist.has(code)) problems.push(`${relative(root, file)} names the error code \`${code}\`, which no package returns`);
}
for (const code of coreCodes) {
  if (!coreDoc.includes(`\`${code}\``)) problems.push(`@toolshim/core returns the code \`${code}\`, which apps/docs/core.md does not list`);
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`error codes: ${named.size} named in the docs, all returned by the code; ${coreCodes.size} core codes, all in core.md`);
