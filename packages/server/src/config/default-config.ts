import { DEMO_MODEL_ID } from "@toolshim/provider-demo";
import { resolveConfig, type ResolveOptions, type ToolshimConfig } from "./load-config.js";

/**
 * What `toolshim serve` runs without a config file: the built-in demo upstream as model `toolshim-demo`, on
 * 127.0.0.1 only, so the first command of the README works with no credentials and no model.
 */
export function defaultConfig(options: Omit<ResolveOptions, "source"> = {}): ToolshimConfig {
  return resolveConfig(
    {
      providers: { demo: { use: "demo" } },
      models: [{ id: DEMO_MODEL_ID, provider: "demo", ownedBy: DEMO_MODEL_ID }],
    },
    { ...options, source: "the built-in default config" },
  );
}
