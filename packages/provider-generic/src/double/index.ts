export { startOpenAIDouble } from "./start-openai-double.js";
export type { OpenAIDouble, OpenAIDoubleOptions, DoubleToolsMode } from "./start-openai-double.js";
export type { DoubleFailure, DoubleReply, DoubleScript, DoubleToolCall, RecordedRequest } from "./script.js";
