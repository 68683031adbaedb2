import { formatPath, type KeyPath } from "./format-issues.js";

// ${NAME} or ${NAME:-default}; "$${" is a literal "${".
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` references in every string of a parsed config document. Interpolating after parsing (not in the
 * raw text) means a secret containing quotes, colons or newlines cannot break the YAML/JSON around it.
 * Returns the new document and one problem line per variable that is unset and has no default.
 */
export function interpolateEnv(
  document: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; problems: string[] } {
  const problems: string[] = [];

  const visit = (node: unknown, path: KeyPath): unknown => {
    if (typeof node === "string") return substitute(node, path);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, visit(value, [...path, key])]));
    }
    return node;
  };

  const substitute = (text: string, path: KeyPath): string =>
    text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return "${";
      const value = env[name];
      if (value !== undefined && value !== "") return value;
      if (fallback !== undefined) return fallback;
      problems.push(
        `${formatPath(path)}: environment variable ${name} is ${value === "" ? "empty" : "not set"} ` +
          `(set it, or write \${${name}:-default} to give a default)`,
      );
      return match;
    });

  return { value: visit(document, []), problems };
}
