import { posix } from "node:path";
import { defineConfig } from "vitepress";

const REPOSITORY = "https://github.com/toolshim/toolshim/blob/main/";

interface LinkToken {
  type: string;
  attrGet(name: string): string | null;
  attrSet(name: string, value: string): void;
  children: LinkToken[] | null;
}

/**
 * Pages link to files of the repository outside the docs (the README, examples, tests) with relative links, which work
 * on GitHub; on the site those files do not exist, so such links go to the file on GitHub instead.
 */
function repositoryLinks(state: { tokens: LinkToken[]; env: { relativePath?: string } }): void {
  const page = state.env.relativePath ?? "index.md";
  for (const token of state.tokens) {
    for (const child of token.children ?? []) {
      const href = child.type === "link_open" ? child.attrGet("href") : null;
      if (!href || /^([a-z]+:|#|\/)/i.test(href)) continue;
      const target = posix.normalize(posix.join(posix.dirname(page), href));
      if (target.startsWith("../")) child.attrSet("href", REPOSITORY + posix.normalize(posix.join("apps/docs", target)));
    }
  }
}

export default defineConfig({
  title: "toolshim",
  description: "OpenAI-style function calling for models and web chats that have none.",
  cleanUrls: true,
  // The pages quote tool-call markup (`<call:NONCE>`, `<think>`) in prose; render it as text, never as HTML.
  markdown: { html: false, config: (md) => void md.core.ruler.push("repository-links", repositoryLinks) },
  // No ignoreDeadLinks: a dead link fails the build (and check-links.mjs checks the built site again, anchors too).
  srcExclude: ["README.md"],
  themeConfig: {
    search: { provider: "local" },
    nav: [
      { text: "Getting started", link: "/getting-started" },
      { text: "Guide", link: "/server" },
      { text: "Core", link: "/core" },
    ],
    sidebar: [
      {
        text: "Running the gateway",
        items: [
          { text: "Getting started", link: "/getting-started" },
          { text: "Server and configuration", link: "/server" },
          { text: "Configuration reference", link: "/configuration-reference" },
          { text: "Generic provider (llama.cpp, LM Studio, Ollama, vLLM)", link: "/provider-generic" },
          { text: "DeepSeek web chat", link: "/provider-deepseek" },
          { text: "Qwen Chat web chat", link: "/provider-qwen" },
          { text: "Responses and Anthropic Messages", link: "/responses-and-anthropic" },
          { text: "Web console", link: "/console" },
          { text: "Scaling out (several instances on Redis)", link: "/scaling" },
        ],
      },
      {
        text: "Clients",
        items: [
          { text: "All clients", link: "/clients/" },
          { text: "Claude Code", link: "/clients/claude-code" },
          { text: "Codex", link: "/clients/codex" },
          { text: "opencode", link: "/clients/opencode" },
          { text: "OpenClaw", link: "/clients/openclaw" },
          { text: "Cline, Roo Code, Continue", link: "/clients/cline-continue" },
          { text: "Cherry Studio", link: "/clients/cherry-studio" },
          { text: "Open WebUI", link: "/clients/open-webui" },
          { text: "LobeChat", link: "/clients/lobechat" },
          { text: "openai SDKs", link: "/clients/openai" },
          { text: "Vercel AI SDK", link: "/clients/ai-sdk" },
          { text: "LangChain.js", link: "/clients/langchain" },
          { text: "OpenAI Agents SDK", link: "/clients/openai-agents" },
          { text: "Mastra", link: "/clients/mastra" },
          { text: "LlamaIndex.TS", link: "/clients/llamaindex" },
          { text: "Anthropic SDK", link: "/clients/anthropic" },
        ],
      },
      {
        text: "How it works",
        items: [
          { text: "The core: engine, policy, encoders", link: "/core" },
          { text: "The prompt dialect", link: "/dialect" },
          { text: "Threat model: who can make a call", link: "/threat-model" },
          { text: "Client conformance", link: "/conformance" },
        ],
      },
      {
        text: "Contributing",
        items: [
          { text: "Adding a provider", link: "/adding-a-provider" },
          { text: "The DeepSeek protocol double", link: "/deepseek-double" },
          { text: "Releasing", link: "/releasing" },
        ],
      },
    ],
  },
});
