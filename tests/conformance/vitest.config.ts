import { defineConfig, mergeConfig } from "vitest/config";
import shared from "../../vitest.shared.js";

// The shared "source" condition also reaches third-party packages: eventsource-parser and eventsource export their
// TypeScript under "source", which Node will not load from node_modules. Letting vite transform the packages that
// import them (the AI SDK, Mastra; @openai/agents through @modelcontextprotocol/client) and the two parsers avoids it.
export default mergeConfig(
  shared,
  defineConfig({ test: { server: { deps: { inline: [/@ai-sdk\//, /eventsource-parser/, /node_modules\/eventsource\//, /@modelcontextprotocol\/client/, /@openai\/agents/, /@mastra\//, /node_modules\/ai\//] } } } }),
);
