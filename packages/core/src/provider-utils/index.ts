export * from "./define-provider.js";
export * from "./provider-state.js";
export * from "./sse-decoder.js";
export * from "./reasoning-splitter.js";
export * from "./redact.js";
export * from "./retry.js";
export * from "./scripted-fetch.js";
