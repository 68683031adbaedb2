import { defineConfig } from "vitest/config";

// Tests resolve workspace packages to their TypeScript sources ("source" export condition), so a package's tests never
// depend on another package having been built. End-to-end tests that start the real server use the built output.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  // A test's time limit only guards against hangs. On a loaded machine (2 shared cores in CI) the first import of a
  // package's TypeScript sources alone can take seconds, which vitest's 5 s default turned into failures.
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
});
