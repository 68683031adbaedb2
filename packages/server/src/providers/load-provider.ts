import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { assertProviderDefinition } from "@toolshim/core/provider-utils";
import type { ProviderKind } from "./provider-kind.js";
import { providerKinds } from "./registry.js";

/** True when a `use:` value names a package (scoped, or `toolshim-provider-*`) or a path rather than a built-in provider. */
export function isExternalProvider(use: string): boolean {
  if (Object.hasOwn(providerKinds, use)) return false;
  // Anything else is a typo of a built-in name, reported with the list of names.
  return use.startsWith(".") || isAbsolute(use) || /^@[\w.-]+\/[\w.-]+$/.test(use) || use.startsWith("toolshim-provider-");
}

/**
 * The packages a short `use:` name that is not built in may be, in the order they are tried: `use: kimi` is
 * `@toolshim/provider-kimi`, else `toolshim-provider-kimi`. A provider published under either name needs no change
 * to the server.
 */
export function packagesForShortName(use: string): string[] {
  if (Object.hasOwn(providerKinds, use) || !/^[a-z][a-z0-9-]*$/.test(use)) return [];
  return [`@toolshim/provider-${use}`, `toolshim-provider-${use}`];
}

/**
 * Imports the providers a config names by package or path, keyed by their `use:` value. Paths are relative to
 * `baseDir` (the config file's folder); a package is looked up from the server, then in node_modules folders
 * from `baseDir` up. A short name that is not built in is looked up as a package (see packagesForShortName); when
 * none is installed it is left for the config check to report. Each must export a `defineProvider` value (as
 * default or as its only provider export).
 */
export async function loadExternalProviders(uses: Iterable<string>, baseDir: string): Promise<Record<string, ProviderKind>> {
  const loaded: Record<string, ProviderKind> = {};
  for (const use of new Set(uses)) {
    const target = isExternalProvider(use) ? use : packagesForShortName(use).find((name) => isInstalled(name, baseDir));
    if (target === undefined) continue;
    const module = await importProvider(target, baseDir);
    const candidate = module.default ?? Object.values(module).find((value) => (value as { specificationVersion?: unknown })?.specificationVersion !== undefined);
    assertProviderDefinition(candidate, `provider "${use}"`);
    loaded[use] = candidate;
  }
  return loaded;
}

function isInstalled(name: string, baseDir: string): boolean {
  try {
    import.meta.resolve(name);
    return true;
  } catch {
    return packageFolderFrom(name, baseDir) !== undefined;
  }
}

/** The package's folder in a node_modules folder from `baseDir` up. */
function packageFolderFrom(name: string, baseDir: string): string | undefined {
  for (let dir = resolve(baseDir); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

async function importProvider(use: string, baseDir: string): Promise<Record<string, unknown>> {
  const isPath = use.startsWith(".") || isAbsolute(use);
  if (isPath) return import(pathToFileURL(entryOf(resolve(baseDir, use), use)).href) as Promise<Record<string, unknown>>;
  try {
    return (await import(use)) as Record<string, unknown>;
  } catch (error) {
    const folder = packageFolderFrom(use, baseDir);
    if (folder !== undefined) return import(pathToFileURL(entryOf(folder, use)).href) as Promise<Record<string, unknown>>;
    throw new Error(`cannot load provider package "${use}": ${(error as Error).message}; install it next to the config file or the server`);
  }
}

/** The module file of a provider given as a file or a package folder (its package.json `exports` "." or `main`). */
function entryOf(path: string, use: string): string {
  if (!existsSync(path)) throw new Error(`provider "${use}": ${path} does not exist`);
  if (!statSync(path).isDirectory()) return path;
  const manifest = join(path, "package.json");
  if (!existsSync(manifest)) return join(path, "index.js");
  const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: unknown; main?: string };
  const root = typeof pkg.exports === "object" && pkg.exports !== null && "." in pkg.exports ? (pkg.exports as Record<string, unknown>)["."] : pkg.exports;
  const target = typeof root === "string" ? root : typeof root === "object" && root !== null ? ((root as Record<string, unknown>).import ?? (root as Record<string, unknown>).default) : undefined;
  const entry = typeof target === "string" ? target : (pkg.main ?? "index.js");
  const file = join(path, entry);
  if (!existsSync(file)) throw new Error(`provider "${use}": ${file} does not exist; build the package first (pnpm build)`);
  return file;
}
