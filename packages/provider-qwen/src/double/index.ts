export { startQwenDouble, type QwenDouble, type QwenDoubleOptions } from "./start-qwen-double.js";
export type { AnswerContext, DoubleAnswer, DoubleFailure, FailureTarget, LoggedRequest } from "./double-types.js";
export { modelEntry } from "./double-models.js";
export { sha256Hex } from "./double-auth.js";
