export * from "./decode-chat-completion-request.js";
export type { ChatCompletionRequestBody, ChatMessageBody } from "./chat-completion-request-schema.js";
export { chatCompletionRequestSchema } from "./chat-completion-request-schema.js";
export * from "./encode-ids.js";
export * from "./encode-chat-completion-chunks.js";
export { createChunkSerializer } from "./encode-chunk-json.js";
export * from "./encode-chat-completion.js";
