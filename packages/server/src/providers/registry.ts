import { deepseekProvider } from "./deepseek.js";
import { demoProvider } from "./demo.js";
import { genericProvider } from "./generic.js";
import type { ProviderKind } from "./provider-kind.js";

/** Every `use:` value the config file accepts. A new provider kind is one file in this folder and one line here. */
export const providerKinds: Record<string, ProviderKind> = {
  generic: genericProvider,
  demo: demoProvider,
  deepseek: deepseekProvider,
};
