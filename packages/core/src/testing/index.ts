export * from "./create-replay-upstream.js";
