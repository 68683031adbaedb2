import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// Issue 15's rule, checked against git history: a new web chat is one folder. Since the commit that added this
// package, (1) every commit that touched the package changed nothing outside it but the files below, and (2) no
// other file gained a reference to the package (a server edit naming it, say, would fail here). Works in any full
// clone; a shallow clone or a source tarball has not the history to check, and the test says so and skips.

const PACKAGE = "packages/provider-qwen";
const ALLOWED: RegExp[] = [
  /^apps\/docs\//, // the docs page, the sidebar entry, the index link
  /^packages\/server\/examples\/toolshim\.example\.yaml$/,
  /^README\.md$/, // the provider table
  /^pnpm-lock\.yaml$/,
  /^\.changeset\/[\w-]+\.md$/, // the release note every package change carries (house rule)
];

let cwd = new URL(".", import.meta.url).pathname;
function git(...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
}

/** The commit before the one that added the package (paths below are relative to the repository's root). */
function history(): { base: string } | string {
  try {
    cwd = git("rev-parse", "--show-toplevel");
    if (git("rev-parse", "--is-shallow-repository") === "true") return "the clone is shallow (fetch the full history to check)";
    const added = git("log", "--diff-filter=A", "--format=%H", "--", `${PACKAGE}/package.json`).split("\n").filter(Boolean).at(-1);
    if (!added) return "the commit that added the package is not in this history";
    return { base: git("rev-list", "--max-parents=0", added) === added ? added : `${added}^` };
  } catch {
    return "not a git checkout";
  }
}

const found = history();
const outside = (path: string) => !path.startsWith(`${PACKAGE}/`) && !ALLOWED.some((pattern) => pattern.test(path));

describe.skipIf(typeof found === "string")(`${PACKAGE} stays one folder`, () => {
  const { base } = found as { base: string };

  it("every commit touching the package changes nothing else but docs, the example config, the README and the lockfile", () => {
    const commits = git("log", "--format=%H", `${base}..HEAD`, "--", PACKAGE).split("\n").filter(Boolean);
    expect(commits.length).toBeGreaterThan(0);
    const offending = commits.flatMap((commit) =>
      git("diff-tree", "--no-commit-id", "--name-only", "-r", "--root", commit)
        .split("\n")
        .filter((path) => path && outside(path))
        .map((path) => `${commit.slice(0, 8)} ${path}`),
    );
    expect(offending).toEqual([]);
  });

  it("no file outside the package and the allowed ones gained a reference to it", () => {
    const mentions = git("diff", "--name-only", "-G", "provider-qwen", `${base}`, "HEAD", "--", ".", `:!${PACKAGE}`).split("\n").filter(Boolean);
    expect(mentions.filter(outside)).toEqual([]);
  });
});

it.runIf(typeof found === "string")("cannot check the one-folder rule here", () => {
  console.warn(`provider-qwen one-folder check skipped: ${String(found)}`);
});
