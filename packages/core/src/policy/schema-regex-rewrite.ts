import { format as knownFormats, ignoredKeyword, type Schema, schemaArrayKeyword, schemaMapKeyword } from "@cfworker/json-schema";
import { compilePattern } from "./safe-pattern.js";
import { isSchemaObject } from "./schema-keyword-checks.js";

/**
 * @cfworker/json-schema evaluates `pattern`, `patternProperties` and formats with the host's backtracking `RegExp`
 * and offers no hook to replace it. So toolshim evaluates them itself, on RE2, against the finitely many strings of
 * the instance being checked, and hands the validator a copy of the schema without any regex:
 * - `pattern: P` becomes `{if: {type: "string"}, then: {enum: [the instance strings P matches]}}` (in `allOf`);
 * - `format: F` likewise, with F checked by the validator's own function on strings of bounded length;
 * - `patternProperties: {P: S}` becomes `properties: {k: S}` for each instance key k that P matches.
 * - `uniqueItems: true` becomes `{if: {type: "array"}, then: {enum: [the instance arrays whose items are unique]}}`,
 *   found in linear time from a canonical text of each item (the validator compares every pair: 20 000 numbers took
 *   1.5 s).
 * For every string the validator will look at, the answer is RE2's; the subschemas carry a `$comment` mark so errors
 * can still be reported as the pattern or format they stand for.
 */

/** Formats are checked by the validator's own functions, some of them regexes that are slow on long input. */
export const MAX_FORMAT_INPUT = 4096;
/** `$comment` prefix on the subschemas that stand for a `pattern` or a `format`. */
export const REWRITE_MARK = "toolshim:";

/** Counts the work spent on regexes; throws when the budget is spent. */
export interface MatchMeter {
  match(characters: number): void;
}

interface InstanceStrings {
  values: string[];
  keys: string[];
  all: string[];
  arrays: unknown[][];
}

/** The rewritten schema, and for each schema object of the original its copy (to re-point the `$ref` lookup). */
export interface Rewritten {
  schema: Schema | boolean;
  copies: Map<object, object>;
}

export function rewriteRegexes(schema: Schema | boolean, instance: unknown, meter: MatchMeter): Rewritten {
  const strings = instanceStrings(instance);
  const memo = new Map<string, string[]>();
  const matching = (memoKey: string, candidates: string[], test: (s: string) => boolean): string[] => {
    let found = memo.get(memoKey);
    if (found === undefined) {
      found = candidates.filter((candidate) => {
        meter.match(candidate.length + 1);
        return test(candidate);
      });
      // Each string the set does not hold costs the validator one pass over the set (its enum error message).
      meter.match((candidates.length - found.length) * found.reduce((sum, s) => sum + s.length + 3, 0));
      memo.set(memoKey, found);
    }
    return found;
  };
  const byPattern = (source: string, candidates: string[], kind: string) => {
    const compiled = compilePattern(source);
    // A pattern RE2 cannot run is not enforced (see CompiledSchema.unenforcedPatterns): it matches everything.
    return matching(`${kind}\u0000${source}`, candidates, (s) => (compiled.ok ? compiled.regex.test(s) : compiled.ecmaValid));
  };
  const byFormat = (name: string) =>
    matching(`format\u0000${name}`, strings.values, (s) =>
      name === "regex" ? isRegex(s) : s.length <= MAX_FORMAT_INPUT && (knownFormats[name] as (s: string) => boolean)(s),
    );

  let uniqueArrays: unknown[][] | undefined;
  const unique = () => (uniqueArrays ??= arraysWithUniqueItems(strings.arrays, meter));
  const copies = new Map<object, object>();
  const copy = (node: unknown): unknown => {
    if (!isSchemaObject(node)) return node;
    const result: Record<string, unknown> = {};
    copies.set(node, result);
    keepResolvedRef(node, result);
    const stand: Record<string, unknown>[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (key === "pattern" && typeof value === "string") stand.push(standIn(`pattern ${JSON.stringify(value)}`, byPattern(value, strings.all, "value")));
      else if (key === "format" && typeof value === "string" && Object.hasOwn(knownFormats, value)) stand.push(standIn(`format ${JSON.stringify(value)}`, byFormat(value)));
      else if (key === "patternProperties" && isSchemaObject(value)) continue;
      else if (key === "uniqueItems" && value === true) stand.push(uniqueStandIn(unique()));
      else if (ignoredKeyword[key]) define(result, key, value);
      else if (Array.isArray(value)) define(result, key, schemaArrayKeyword[key] ? value.map(copy) : value);
      else if (schemaMapKeyword[key] && isSchemaObject(value)) define(result, key, copyMap(value, copy));
      else define(result, key, copy(value));
    }
    if (isSchemaObject(node.patternProperties)) {
      const properties = isSchemaObject(result.properties) ? result.properties : {};
      for (const [source, sub] of Object.entries(node.patternProperties)) {
        // Unenforced (RE2 cannot run it): no key counts as additional, and its schema applies to none.
        const enforced = compilePattern(source).ok;
        for (const key of byPattern(source, strings.keys, "key")) {
          if (!enforced) define(properties, key, Object.hasOwn(properties, key) ? properties[key] : true);
          else define(properties, key, Object.hasOwn(properties, key) ? { allOf: [properties[key], copy(sub)] } : copy(sub));
        }
      }
      result.properties = properties;
    }
    if (stand.length > 0) result.allOf = [...(Array.isArray(result.allOf) ? result.allOf : []), ...stand];
    return result;
  };
  return { schema: copy(schema) as Schema | boolean, copies };
}

/** The validator reads a `$ref`'s resolved URI from a hidden property its `dereference` set on the original. */
function keepResolvedRef(from: Record<string, unknown>, to: Record<string, unknown>): void {
  for (const hidden of ["__absolute_ref__", "__absolute_recursive_ref__"]) {
    const value = (from as Record<string, unknown>)[hidden];
    if (value !== undefined) Object.defineProperty(to, hidden, { value, enumerable: false });
  }
}

/** `format: "regex"` means a valid ECMA-262 regex, whether or not RE2 can run it. */
function isRegex(text: string): boolean {
  const compiled = compilePattern(text);
  return compiled.ok || compiled.ecmaValid;
}

function standIn(what: string, matches: string[]): Record<string, unknown> {
  return { $comment: `${REWRITE_MARK}String does not match ${what}.`, if: { type: "string" }, then: { enum: matches } };
}

function uniqueStandIn(arrays: unknown[][]): Record<string, unknown> {
  return { $comment: `${REWRITE_MARK}Array items are not unique.`, if: { type: "array" }, then: { enum: arrays } };
}

/** The arrays whose items are pairwise different by the validator's deep equality, in linear time. */
function arraysWithUniqueItems(arrays: unknown[][], meter: MatchMeter): unknown[][] {
  const unique = arrays.filter((array) => {
    const seen = new Set<string>();
    for (const item of array) {
      const text = canonical(item);
      meter.match(text.length);
      if (seen.has(text)) return false;
      seen.add(text);
    }
    return true;
  });
  // The validator compares each array it checks with the listed ones until one is equal.
  meter.match(unique.length * arrays.reduce((sum, array) => sum + array.length, 0));
  return unique;
}

/** JSON text with object keys sorted: equal exactly when the validator's deep comparison says equal. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(record[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function copyMap(map: Record<string, unknown>, copy: (node: unknown) => unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) define(result, key, copy(value));
  return result;
}

/** Keys come from clients: `__proto__` must stay an own key, not become the prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function instanceStrings(instance: unknown): InstanceStrings {
  const values = new Set<string>();
  const keys = new Set<string>();
  const arrays: unknown[][] = [];
  const stack: unknown[] = [instance];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") values.add(value);
    else if (Array.isArray(value)) {
      arrays.push(value);
      for (const item of value) stack.push(item);
    }
    else if (typeof value === "object" && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        keys.add(key);
        stack.push(child);
      }
    }
  }
  return { values: [...values], keys: [...keys], all: [...new Set([...values, ...keys])], arrays };
}
