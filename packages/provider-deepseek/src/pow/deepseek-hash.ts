import { createPowKernel } from "./pow-kernel.js";

const kernel = createPowKernel();
const encoder = new TextEncoder();

/** DeepSeekHashV1 (SHA3-256 without Keccak round 0) of a UTF-8 string or bytes, as lowercase hex. */
export function deepSeekHashV1(input: string | Uint8Array): string {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  return Buffer.from(kernel.hash(bytes)).toString("hex");
}
