import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";

export type KeyPath = ReadonlyArray<PropertyKey>;

/** `models[0].provider`, `providers["my provider"].baseURL`: the path as a user would write it. */
export function formatPath(path: KeyPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(String(key))) out += out ? `.${String(key)}` : String(key);
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || "(top level)";
}

/** One readable line per zod issue, prefixed with the full key path (`prefix` is where the validated value sits). */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: KeyPath = []): string[] {
  return issues.map((issue) => `${formatPath([...prefix, ...issue.path])}: ${describeIssue(issue)}`);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      // zod reports a missing key as "received undefined": say it plainly.
      if (/received undefined/.test(issue.message)) return `is required (expected ${issue.expected})`;
      return issue.message.replace(/^Invalid input: /, "");
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys": {
      // Custom messages (see strictSettings in core) already list the allowed keys: add the one each typo most likely meant.
      if (!issue.message.startsWith("unknown key")) return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
      const allowed = /allowed keys: (.*)$/.exec(issue.message)?.[1]?.split(", ") ?? [];
      const guesses = issue.keys.flatMap((key) => {
        const guess = didYouMean(key, allowed);
        return guess ? [issue.keys.length > 1 ? `"${key}" → "${guess}"` : `"${guess}"`] : [];
      });
      return guesses.length ? `${issue.message}; did you mean ${guesses.join(", ")}?` : issue.message;
    }
    case "invalid_union": {
      const options = issue.errors
        .map((branch) => branch.map((inner) => describeIssue(inner)).join("; "))
        .filter((text, i, all) => all.indexOf(text) === i);
      return options.length ? `does not match any allowed form (${options.join(" | ")})` : issue.message;
    }
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}
