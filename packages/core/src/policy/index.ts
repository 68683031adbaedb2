export * from "./policy-violation.js";
export * from "./tool-choice-rules.js";
export * from "./argument-validator.js";
export * from "./tool-policy.js";
