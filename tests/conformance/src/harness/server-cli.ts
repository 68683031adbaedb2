import { fileURLToPath } from "node:url";

/**
 * The built `toolshim` command the suite runs: `packages/server/dist/cli.js`, or the file named by
 * `TOOLSHIM_CONFORMANCE_CLI` (how `scripts/broken-encoder.mjs` points the suite at a deliberately broken copy).
 */
export function serverCli(): string {
  return process.env.TOOLSHIM_CONFORMANCE_CLI || fileURLToPath(new URL("../../../../packages/server/dist/cli.js", import.meta.url));
}
