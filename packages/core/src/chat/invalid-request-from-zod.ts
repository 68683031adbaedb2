import type { z } from "zod";
import { InvalidRequestError } from "../errors.js";

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;
type Path = readonly PropertyKey[];

/**
 * The one place zod issues become client errors: `param` in OpenAI's style (`messages[2].tool_calls[0].function.name`)
 * and a message saying what is wrong. Schema-level messages are predicates ("must be …"); `describeZodIssue` writes the
 * others in the same form, so every message reads `'<param>' <predicate>`.
 */
export function invalidRequestFromZod(error: z.ZodError): InvalidRequestError {
  const [first] = error.issues;
  if (first === undefined) return new InvalidRequestError("The request body is invalid.");
  const { issue, path } = mostSpecific(first, first.path);
  const param = formatParam(path);
  const code = issue.code === "invalid_type" && issue.input === undefined ? "missing_required_parameter" : "invalid_value";
  const subject = param === null ? "The request body" : `'${param}'`;
  return new InvalidRequestError(`${subject} ${issue.message}`, param, code);
}

/**
 * A union that failed in every branch reports all of them; the branch that got furthest into the value is the one the
 * client meant (an array of parts with one bad part, not "is not a string"). When every branch failed at the value
 * itself, the union's own message describes the accepted shapes.
 */
function mostSpecific(issue: Issue, path: Path): { issue: Issue; path: Path } {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return { issue, path };
  let best: Issue | undefined;
  for (const branch of issue.errors) {
    const candidate = branch[0];
    if (candidate !== undefined && candidate.path.length > (best?.path.length ?? 0)) best = candidate;
  }
  return best === undefined ? { issue, path } : mostSpecific(best, [...path, ...best.path]);
}

/** `["messages", 2, "tool_calls", 0, "function", "name"]` → `messages[2].tool_calls[0].function.name`. */
export function formatParam(path: Path): string | null {
  let param = "";
  for (const key of path) {
    if (typeof key === "number") param += `[${key}]`;
    else param += param === "" ? String(key) : `.${String(key)}`;
  }
  return param === "" ? null : param;
}

/** Per-parse error map: messages for the issues a schema did not word itself. */
export function describeZodIssue(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required.";
      return `must be ${withArticle(issue.expected)}, not ${describeValue(issue.input)}.`;
    case "invalid_value":
      return `must be ${issue.values.map((value) => JSON.stringify(value)).join(" or ")}, not ${describeValue(issue.input)}.`;
    case "invalid_union":
      if (issue.note === "No matching discriminator") {
        const options = (issue as { options?: unknown[] }).options ?? [];
        return `must be one of ${options.map((option) => JSON.stringify(option)).join(", ")}.`;
      }
      return "does not match any accepted form.";
    case "too_small":
      return bound(issue.origin, "at least", issue.minimum, issue.inclusive);
    case "too_big":
      return bound(issue.origin, "at most", issue.maximum, issue.inclusive);
    default:
      return undefined;
  }
}

function bound(origin: string, limit: "at least" | "at most", value: number | bigint, inclusive = true): string {
  if (origin === "array") return `must contain ${limit} ${value} item${value === 1 ? "" : "s"}.`;
  if (origin === "string") return value === 1 && limit === "at least" ? "must not be empty." : `must be ${limit} ${value} characters long.`;
  const relation = limit === "at least" ? (inclusive ? ">=" : ">") : inclusive ? "<=" : "<";
  return `must be ${relation} ${value}.`;
}

function withArticle(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "record") return "an object";
  if (expected === "null" || expected === "undefined") return expected;
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? "a string" : JSON.stringify(value);
  if (typeof value === "number") return `the number ${value}`;
  return withArticle(typeof value);
}
