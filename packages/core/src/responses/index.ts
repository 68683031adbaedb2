export * from "./response-types.js";
export {
  type DecodedResponsesRequest,
  type DecodeResponsesOptions,
  decodeResponsesRequest,
  type ResponsesResolver,
} from "./decode-responses-request.js";
export type { ResolveItem } from "./normalize-input-items.js";
export { ResponseEncoder, type ResponseEncoderOptions, type ResponseStreamEvent } from "./response-encoder.js";
export { collectResponse, streamResponseEvents } from "./encode-response.js";
export { type NamedEvent, type NamedEventStreamOptions, toNamedEventStream } from "./named-event-stream.js";
export { createResponse, type ResponseResult } from "./create-response.js";
