import { InvalidRequestError } from "@toolshim/core";
import type { Context } from "hono";

/** The request body as a JSON object; 400 with a message saying what is wrong otherwise. */
export async function readJsonBody(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === "") {
    throw new InvalidRequestError("The request body is empty: send a JSON object.", null, "invalid_json");
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
