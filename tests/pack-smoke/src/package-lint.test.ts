import { readFileSync } from "node:fs";
import { checkPackage, createPackageFromTarballData } from "@arethetypeswrong/core";
import { problemAffectsResolutionKind } from "@arethetypeswrong/core/problems";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { beforeAll, describe, expect, it } from "vitest";
import { packWorkspace, PUBLISHED, type Published } from "./pack-workspace.js";

// What a user would install, linted: publint (fields, exports, files that exist in the tarball) and arethetypeswrong
// (types resolve for every entry point). The packages are ESM only, so only the ESM resolutions must succeed:
// node16 from an ES module and bundlers (what attw's "esm-only" profile checks).
let tarballs: Record<Published, string>;
beforeAll(() => {
  tarballs = packWorkspace();
});

describe.each(PUBLISHED)("the packed @toolshim/%s", (name) => {
  it("passes publint with no error or warning", async () => {
    const bytes = readFileSync(tarballs[name]);
    const { messages, pkg } = await publint({ pack: { tarball: new Uint8Array(bytes).buffer }, level: "warning" });
    expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`)).toEqual([]);
  });

  it("has types that resolve for every entry point (arethetypeswrong, ESM resolutions)", async () => {
    const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarballs[name]))));
    if (!analysis.types) throw new Error(`@toolshim/${name} ships no types`);
    const problems = analysis.problems.filter(
      (problem) => problemAffectsResolutionKind(problem, "node16-esm", analysis) || problemAffectsResolutionKind(problem, "bundler", analysis),
    );
    expect(problems).toEqual([]);
    expect(Object.keys(analysis.entrypoints).length).toBeGreaterThan(0);
  });
});
