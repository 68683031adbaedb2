// The link check must fail on a dead link: plant one in a temporary copy of the built site and run the check on it.
//   node link-check.test.mjs     (part of `pnpm --filter @toolshim/docs test`, after the build)
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSite, SITE } from "./check-links.mjs";

const copy = mkdtempSync(join(tmpdir(), "toolshim-docs-site-"));
try {
  cpSync(SITE, copy, { recursive: true });
  assert.deepEqual(checkSite(copy), [], "the unmodified copy of the built site has no broken link");

  const index = join(copy, "index.html");
  const original = readFileSync(index, "utf8");
  writeFileSync(index, original.replace("</body>", '<a href="/no-such-page">planted</a></body>'));
  assert.deepEqual(checkSite(copy), ['index.html: href="/no-such-page" (no such page or file)'], "a planted dead page link fails the check");

  writeFileSync(index, original.replace("</body>", '<a href="./server#no-such-section">planted</a></body>'));
  assert.deepEqual(checkSite(copy), ['index.html: href="./server#no-such-section" (no element with id "no-such-section")'], "a planted dead anchor fails the check");
  console.log("docs: link check fails on a planted dead page link and a planted dead anchor, passes without them");
} finally {
  rmSync(copy, { recursive: true, force: true });
}
