export * from "./anthropic-error.js";
export { countMessageTokens, createMessage, type MessageResult } from "./create-message.js";
export { type DecodedMessagesRequest, type DecodeMessagesOptions, decodeMessagesRequest } from "./decode-messages-request.js";
export { collectMessage, streamMessageEvents } from "./encode-message.js";
export { estimateInputTokens } from "./estimate-input-tokens.js";
export * from "./message-encoder.js";
