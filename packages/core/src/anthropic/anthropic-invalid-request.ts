import type { z } from "zod";
import { describeZodIssue, invalidRequestFromZod } from "../chat/invalid-request-from-zod.js";
import { InvalidRequestError } from "../errors.js";
import { parseAt } from "../responses/parse-at.js";

/** `messages[2].content[0].tool_use_id` → `messages.2.content.0.tool_use_id`, the way Anthropic names fields. */
export function toAnthropicPath(param: string): string {
  return param.replace(/\[(\d+)\]/g, ".$1");
}

/** A zod failure worded like Anthropic's own: `messages.0.content.1.type: must be …`. */
function restyle(error: InvalidRequestError): InvalidRequestError {
  if (error.param === null) return error;
  const path = toAnthropicPath(error.param);
  const prefix = `'${error.param}' `;
  const message = error.message.startsWith(prefix) ? `${path}: ${error.message.slice(prefix.length)}` : error.message;
  return new InvalidRequestError(message, path, error.code);
}

export function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown): z.output<Schema> {
  const parsed = schema.safeParse(body, { error: describeZodIssue });
  if (!parsed.success) throw restyle(invalidRequestFromZod(parsed.error));
  return parsed.data;
}

export function parseBlock<Schema extends z.ZodType>(schema: Schema, value: unknown, path: (string | number)[]): z.output<Schema> {
  try {
    return parseAt(schema, value, path);
  } catch (error) {
    throw error instanceof InvalidRequestError ? restyle(error) : error;
  }
}
