import { z } from "zod";
import { describeZodIssue, invalidRequestFromZod } from "../chat/invalid-request-from-zod.js";

/**
 * Parses one piece of a request body (an input item, a tool) with its own schema, reporting failures with the piece's
 * full path (`input[3].call_id`) so the client error names the field to fix.
 */
export function parseAt<Schema extends z.ZodType>(schema: Schema, value: unknown, path: (string | number)[]): z.output<Schema> {
  const parsed = schema.safeParse(value, { error: describeZodIssue });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ ...issue, path: [...path, ...issue.path] }));
  throw invalidRequestFromZod(new z.ZodError(issues));
}
