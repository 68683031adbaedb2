export type { PowChallenge } from "./pow-challenge.js";
export { POW_ALGORITHM, powPrefix } from "./pow-challenge.js";
export type { PowResponse } from "./pow-response.js";
export { encodePowResponse, decodePowResponse } from "./pow-response.js";
export { solvePowChallenge } from "./solve-pow-challenge.js";
export { PowSolver, type PowKernelName, type PowSolverOptions } from "./pow-solver.js";
export { deepSeekHashV1 } from "./deepseek-hash.js";
