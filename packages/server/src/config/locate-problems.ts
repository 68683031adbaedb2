import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from "yaml";
import type { KeyPath } from "./format-issues.js";

type Key = string | number;

const SECRET_KEY = /key|token|password|passwd|secret|cookie|authorization|credential/i;
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$/;

/** The key path at the start of a problem line (`models[0].provider: …`, as formatPath writes it), and the rest. */
export function splitProblem(problem: string): { path: Key[]; message: string } | undefined {
  const path: Key[] = [];
  let i = 0;
  const head = /^[A-Za-z_$][\w$-]*/.exec(problem);
  if (head) {
    path.push(head[0]);
    i = head[0].length;
  }
  for (;;) {
    const rest = problem.slice(i);
    const step = /^\.([A-Za-z_$][\w$-]*)|^\[(\d+)\]|^\[("(?:[^"\\]|\\.)*")\]/.exec(rest);
    if (!step) break;
    path.push(step[1] ?? (step[2] !== undefined ? Number(step[2]) : (JSON.parse(step[3]!) as string)));
    i += step[0].length;
  }
  if (path.length === 0 || !problem.startsWith(": ", i)) return undefined;
  return { path, message: problem.slice(i + 2) };
}

/** A hint for the mistakes people make most, from the problem and the value they wrote. */
function hintFor(message: string, value: unknown): string | undefined {
  if (typeof value === "string" && /invalid url/i.test(message) && !value.includes("://")) {
    return `a URL starts with its scheme: write http://${value.trim()} (or https:// for a remote server)`;
  }
  if (typeof value === "string" && /expected number/i.test(message)) return "write the number without quotes or units";
  return undefined;
}

function shown(path: readonly Key[], value: unknown): string {
  const last = String(path.at(-1) ?? "");
  const secret = SECRET_KEY.test(last) || path.includes("headers") || path.includes("apiKeys");
  if (secret && !(typeof value === "string" && ENV_REFERENCE.test(value))) return "(value hidden: it looks like a secret)";
  return `you wrote ${JSON.stringify(value)}`;
}

/**
 * Adds where each problem is in the config text (`line 4, column 14`), the value written there (secrets masked;
 * `${VAR}` references are shown as written) and, for common mistakes, a hint. Problems whose path cannot be found in
 * the text are returned unchanged. YAML and JSON both parse here (JSON is YAML).
 */
export function locateProblems(problems: readonly string[], text: string): string[] {
  const lines = new LineCounter();
  let document;
  try {
    document = parseDocument(text, { lineCounter: lines, keepSourceTokens: false });
  } catch {
    return [...problems];
  }
  return problems.map((problem) => {
    const split = splitProblem(problem);
    if (!split) return problem;
    const found = nodeAt(document.contents as Node | null, split.path, split.message);
    if (!found?.node.range) return problem;
    const { line, col } = lines.linePos(found.node.range[0]);
    let located = `line ${line}, column ${col}: ${problem}`;
    if (found.exact && isScalar(found.node) && ["string", "number", "boolean"].includes(typeof found.node.value)) {
      const value = found.node.value;
      if (!problem.includes(JSON.stringify(value))) located += `; ${shown(split.path, value)}`;
      const hint = hintFor(split.message, value);
      if (hint) located += `; hint: ${hint}`;
    }
    return located;
  });
}

/** The node at `path`, or its deepest ancestor that exists; an unknown key's own key node when the message names one. */
function nodeAt(root: Node | null, path: KeyPath, message: string): { node: Node; exact: boolean } | undefined {
  let node: Node | null = root;
  for (const [depth, key] of path.entries()) {
    const child: unknown = node && "get" in node && typeof node.get === "function" ? (node.get as (k: unknown, keep: boolean) => unknown)(key, true) : undefined;
    // Pointing at the whole document would say nothing: only an ancestor below the top counts.
    if (!child || typeof child !== "object") return node && depth > 0 ? { node, exact: false } : undefined;
    node = child as Node;
  }
  if (!node) return undefined;
  const unknown = /^unknown keys? "([^"]+)"/.exec(message)?.[1];
  if (unknown && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === unknown);
    if (pair && isPair(pair) && isScalar(pair.key)) return { node: pair.key, exact: false };
  }
  return { node, exact: true };
}
