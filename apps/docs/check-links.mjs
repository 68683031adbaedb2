// The docs site's test: every relative link in its pages and in the root README points at a file that exists.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const here = dirname(new URL(import.meta.url).pathname);
const pages = [resolve(here, "../../README.md")];
(function walk(dir) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".md")) pages.push(path);
  }
})(here);

let broken = 0;
let failedPages = 0;
for (const page of pages) {
  const before = broken;
  const text = readFileSync(page, "utf8");
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^(https?:|mailto:|#)/.test(target)) continue;
    const file = resolve(dirname(page), target.split("#")[0]);
    if (!existsSync(file)) {
      console.error(`${page}: broken link ${target}`);
      broken++;
    }
  }
  if (broken > before) failedPages++;
}
console.log(`docs: ${pages.length} pages checked`);
console.log(`${pages.length - failedPages} passed, ${failedPages} failed`);
process.exit(broken ? 1 : 0);
