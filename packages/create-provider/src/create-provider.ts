#!/usr/bin/env node
// Scaffolds a toolshim provider package: `pnpm create-provider <name> [--dir <folder>] [--package <npm name>]`.
// Runs straight from TypeScript on Node 22.18+ (type stripping), so it has no build step and no relative imports.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface CreateProviderOptions {
  /** kebab-case: the provider's `use:` name and model prefix, e.g. "acme". */
  name: string;
  /** The folder to create; it must not exist or be empty. */
  dir: string;
  /** The npm name. Default: `@toolshim/provider-<name>` inside this repository's packages/, else `toolshim-provider-<name>`. */
  packageName?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const templateDir = join(here, "..", "template");
const repoRoot = resolve(here, "..", "..", "..");

/** Writes the package and returns the files written (all inside `dir`). */
export function createProvider(options: CreateProviderOptions): string[] {
  const { name } = options;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new Error(`"${name}" is not a provider name: use lowercase letters, digits and single dashes, starting with a letter (e.g. acme or kimi-web)`);
  }
  const dir = resolve(options.dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${dir} already exists and is not empty: choose another --dir`);
  const inWorkspace = !relative(join(repoRoot, "packages"), dir).startsWith("..");
  const packageName = options.packageName ?? (inWorkspace ? `@toolshim/provider-${name}` : `toolshim-provider-${name}`);
  const values = placeholders(name, packageName, inWorkspace);
  const written: string[] = [];
  for (const template of listTemplates(templateDir)) {
    const target = join(dir, relative(templateDir, template).replace(/\.tpl$/, "").replace(/(^|\/)gitignore$/, "$1.gitignore"));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(template, "utf8").replace(/__([A-Z_]+)__/g, (whole, key: string) => values[key] ?? whole));
    written.push(target);
  }
  return written;
}

function listTemplates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listTemplates(join(dir, entry.name)) : entry.name.endsWith(".tpl") ? [join(dir, entry.name)] : [],
  );
}

/** The values the templates' `__KEY__` markers take; versions come from this repository, so a scaffold builds with them. */
function placeholders(name: string, packageName: string, inWorkspace: boolean): Record<string, string> {
  const manifest = (path: string) => JSON.parse(readFileSync(join(repoRoot, path), "utf8")) as { version: string; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const core = manifest("packages/core/package.json");
  const root = manifest("package.json");
  const words = name.split("-");
  return {
    NAME: name,
    PACKAGE: packageName,
    USE: packageName,
    TITLE: words.map(capitalize).join(" "),
    IDENT: words[0] + words.slice(1).map(capitalize).join(""),
    ENV: `${name.replace(/-/g, "_").toUpperCase()}_TOKEN`,
    CORE_VERSION: inWorkspace ? "workspace:*" : `^${core.version}`,
    ZOD_VERSION: core.dependencies?.zod ?? "^4",
    TSUP_VERSION: root.devDependencies?.tsup ?? "^9",
    TYPESCRIPT_VERSION: root.devDependencies?.typescript ?? "^6",
    VITEST_VERSION: root.devDependencies?.vitest ?? "^5",
  };
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

function main(argv: string[]): void {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--dir" || arg === "--package") flags.set(arg, argv[++i] ?? "");
    else if (arg === "--help" || arg === "-h") flags.set("--help", "");
    else positional.push(arg);
  }
  const name = positional[0];
  if (flags.has("--help") || !name) {
    console.log("usage: pnpm create-provider <name> [--dir <folder>] [--package <npm name>]\n  default folder: packages/provider-<name>");
    process.exitCode = name || flags.has("--help") ? 0 : 1;
    return;
  }
  const dir = flags.get("--dir") ?? join(repoRoot, "packages", `provider-${name}`);
  try {
    const files = createProvider({ name, dir, packageName: flags.get("--package") });
    console.log(`created ${relative(process.cwd(), resolve(dir)) || "."} (${files.length} files). Next:`);
    console.log(`  cd ${relative(process.cwd(), resolve(dir))} && pnpm install && pnpm build && pnpm test`);
    console.log("  then follow apps/docs/adding-a-provider.md");
  } catch (error) {
    console.error(`create-provider: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
