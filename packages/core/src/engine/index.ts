export * from "./chat-completion-context.js";
export * from "./run-engine.js";
export * from "./create-chat-completion.js";
export * from "./to-server-sent-events.js";
export * from "./batch-iterator.js";
export * from "./trace-sink.js";
