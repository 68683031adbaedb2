export type * from "./dialect.js";
export * from "./default-dialect.js";
export * from "./generate-nonce.js";
export * from "./render-response-format.js";
export * from "./rewrite-for-emulation.js";
