import { mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

export default mergeConfig(shared, {
  test: {
    // End-to-end tests spawn the built CLI: build it (and what it imports) first when the build is missing or stale.
    globalSetup: ["./src/e2e/ensure-built.ts"],
    testTimeout: 15_000,
  },
});
