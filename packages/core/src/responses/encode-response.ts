import type { CanonicalEvent } from "../canonical.js";
import { ToolshimError, toToolshimError } from "../errors.js";
import type { ResponseEncoder, ResponseStreamEvent } from "./response-encoder.js";
import type { ResponseObject } from "./response-types.js";

/**
 * The streaming answer: every event the encoder makes of `events`, ending with exactly one terminal event. A failure
 * of the source becomes `error` + `response.failed` instead of a broken stream.
 */
export async function* streamResponseEvents(events: AsyncIterable<CanonicalEvent>, encoder: ResponseEncoder): AsyncGenerator<ResponseStreamEvent> {
  yield* encoder.start();
  try {
    for await (const event of events) yield* encoder.push(event);
  } catch (error) {
    yield* encoder.fail(toToolshimError(error));
    return;
  }
  yield* encoder.end();
}

/**
 * The non-streaming answer: the same encoder driven to the end, its snapshot returned. A failure is thrown so the
 * route answers with an error status instead of a 200 carrying a failed response.
 */
export async function collectResponse(events: AsyncIterable<CanonicalEvent>, encoder: ResponseEncoder): Promise<ResponseObject> {
  encoder.start();
  for await (const event of events) encoder.push(event);
  encoder.end();
  const { response } = encoder;
  if (response.status === "failed") {
    throw new ToolshimError(response.error?.message ?? "The response failed.", { status: 502, type: "server_error", code: response.error?.code ?? null });
  }
  return response;
}
