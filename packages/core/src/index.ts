export * from "./canonical.js";
export * from "./errors.js";
export * from "./upstream.js";
export type * from "./dialect/dialect.js";
