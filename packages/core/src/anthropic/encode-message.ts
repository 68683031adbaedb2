import type { CanonicalEvent } from "../canonical.js";
import { ToolshimError, toToolshimError } from "../errors.js";
import type { AnthropicMessage, AnthropicStreamEvent, MessageEncoder } from "./message-encoder.js";

/**
 * The streaming answer: every event the encoder makes of `events`. A failure of the source becomes Anthropic's
 * `error` event, which ends the stream (its SDK throws it as an APIError).
 */
export async function* streamMessageEvents(
  events: AsyncIterable<CanonicalEvent>,
  encoder: MessageEncoder,
  requestId?: string,
): AsyncGenerator<AnthropicStreamEvent> {
  yield* encoder.start();
  try {
    for await (const event of events) yield* encoder.push(event);
  } catch (error) {
    yield* encoder.fail(toToolshimError(error), requestId);
    return;
  }
  yield* encoder.end();
}

/** The non-streaming answer: the same encoder driven to the end, its snapshot returned; failures are thrown. */
export async function collectMessage(events: AsyncIterable<CanonicalEvent>, encoder: MessageEncoder): Promise<AnthropicMessage> {
  encoder.start();
  for await (const event of events) encoder.push(event);
  encoder.end();
  const { failure } = encoder;
  if (failure) throw failure instanceof ToolshimError ? failure : new ToolshimError(failure.message, { status: failure.status });
  return encoder.message;
}
