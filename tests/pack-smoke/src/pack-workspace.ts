import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The published packages, by directory under packages/. */
export const PUBLISHED = ["core", "provider-generic", "provider-deepseek", "provider-demo", "server"] as const;
export type Published = (typeof PUBLISHED)[number];

const repoRoot = new URL("../../../", import.meta.url).pathname;

/**
 * `pnpm pack` of every published package into a fresh folder outside the workspace, as `pnpm publish` would build
 * them (publishConfig applied, workspace:* turned into versions). Returns each tarball's path, whatever the version.
 */
export function packWorkspace(): Record<Published, string> {
  const destination = mkdtempSync(join(tmpdir(), "toolshim-pack-"));
  const tarballs = {} as Record<Published, string>;
  for (const name of PUBLISHED) {
    const before = new Set(readdirSync(destination));
    execFileSync("pnpm", ["pack", "--pack-destination", destination], { cwd: join(repoRoot, "packages", name), stdio: "pipe" });
    const created = readdirSync(destination).filter((file) => file.endsWith(".tgz") && !before.has(file));
    if (created.length !== 1) throw new Error(`pnpm pack of packages/${name} made ${created.length} tarballs: ${created.join(", ")}`);
    tarballs[name] = join(destination, created[0]!);
  }
  return tarballs;
}
