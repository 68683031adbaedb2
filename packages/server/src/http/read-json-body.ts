import { InvalidRequestError, jsonTextExceedsDepth, MAX_JSON_DEPTH } from "@toolshim/core";
import type { Context } from "hono";

/** The request body as a JSON object; 400 with a message saying what is wrong otherwise. */
export async function readJsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") {
    throw new InvalidRequestError("The request body is empty: send a JSON object.", null, "invalid_json");
  }
  // Checked on the raw text, before parsing: a body nested 100 000 deep parses, but overflows the stack of everything
  // that walks it afterwards (validation, JSON.stringify).
  if (jsonTextExceedsDepth(text, MAX_JSON_DEPTH)) {
    throw new InvalidRequestError(
      `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; toolshim accepts at most ${MAX_JSON_DEPTH}.`,
      null,
      "invalid_json",
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new InvalidRequestError(
      `The request body is not valid JSON (${(error as Error).message}). Send a JSON object with Content-Type: application/json.`,
      null,
      "invalid_json",
    );
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new InvalidRequestError("The request body must be a JSON object.", null, "invalid_json");
  }
  return body as Record<string, unknown>;
}
