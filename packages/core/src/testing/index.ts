export * from "./create-replay-upstream.js";
export * from "./check-chat-completion-chunks.js";
export * from "./run-provider-contract-suite.js";
