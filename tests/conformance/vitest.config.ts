import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // Builds packages/server/dist (and its dependencies) when stale: every file spawns the real server.
      globalSetup: ["./src/harness/global-setup.ts"],
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  }),
);
