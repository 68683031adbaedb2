import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// The shared "source" condition also reaches third-party packages: eventsource-parser exports its TypeScript under
// "source", which Node will not load from node_modules. Letting vite transform the AI SDK and that parser avoids it.
export default mergeConfig(
  shared,
  defineConfig({ test: { server: { deps: { inline: [/@ai-sdk\//, /eventsource-parser/, /node_modules\/ai\//] } } } }),
);
