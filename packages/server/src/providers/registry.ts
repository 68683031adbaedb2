import deepseek from "@toolshim/provider-deepseek";
import demo from "@toolshim/provider-demo";
import generic from "@toolshim/provider-generic";
import type { ProviderKind } from "./provider-kind.js";

/**
 * The `use:` names of the providers that ship with toolshim, and the package each one is. Any other provider is
 * named by its package or path in the config (`use: "@someone/toolshim-provider-x"`, `use: ./my-provider`) and
 * needs no change here.
 */
export const builtInProviderPackages = {
  generic: "@toolshim/provider-generic",
  demo: "@toolshim/provider-demo",
  deepseek: "@toolshim/provider-deepseek",
} as const;

// Imported statically (not from the map at run time) so a config can be checked synchronously and the bundle knows them.
export const providerKinds: Readonly<Record<string, ProviderKind>> = { generic, demo, deepseek };
