import { defineConfig } from "vitest/config";

// Tests resolve workspace packages to their TypeScript sources ("source" export condition), so a package's tests never
// depend on another package having been built. End-to-end tests that start the real server use the built output.
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
});
