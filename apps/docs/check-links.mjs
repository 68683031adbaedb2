// The docs site's link check, on the BUILT site (run `vitepress build` first; `pnpm --filter @toolshim/docs test` does):
//
// 1. Every link and asset in every page of .vitepress/dist points at a page or file of the site, and every #anchor at
//    an id on its target page. Links leaving the site (https:, mailto:) are not fetched.
// 2. Every relative link in the root README, and every link from a docs page to a repository file outside apps/docs
//    (`../../examples/…`, which the site turns into a GitHub link), points at a file that exists in the repository.
//
// `checkSite(dir)` and `checkSources()` return the broken links; `link-check.test.mjs` plants a dead link in a copy
// of the built site and checks that the check fails on it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const SITE = join(here, ".vitepress", "dist");

function walk(dir, keep, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, keep, out);
    else if (keep(path)) out.push(path);
  }
  return out;
}

/** The file a site-relative path is served from (cleanUrls: `/server` is server.html, `/clients/` clients/index.html). */
function servedFile(site, pathname) {
  const path = decodeURIComponent(pathname);
  const candidates = path.endsWith("/") ? [join(site, path, "index.html")] : [join(site, path), join(site, `${path}.html`), join(site, path, "index.html")];
  return candidates.find((file) => existsSync(file) && statSync(file).isFile());
}

const idsCache = new Map();
function idsOf(file) {
  if (!idsCache.has(file)) idsCache.set(file, new Set([...readFileSync(file, "utf8").matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  return idsCache.get(file);
}

/** Broken links of the built site in `site`, as `page: link (why)` lines. */
export function checkSite(site = SITE) {
  idsCache.clear();
  const broken = [];
  for (const page of walk(site, (path) => path.endsWith(".html"))) {
    const html = readFileSync(page, "utf8");
    const pageUrl = new URL(`http://site/${page.slice(site.length + 1).replace(/\\/g, "/")}`);
    for (const [, attribute, target] of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      if (/^(https?:|mailto:|data:|javascript:)/i.test(target) || target === "") continue;
      const url = new URL(target.replaceAll("&amp;", "&"), pageUrl);
      if (url.host !== "site") continue;
      const file = url.pathname === pageUrl.pathname ? page : servedFile(site, url.pathname);
      const where = `${page.slice(site.length + 1)}: ${attribute}="${target}"`;
      if (!file) broken.push(`${where} (no such page or file)`);
      else if (url.hash.length > 1 && file.endsWith(".html") && !idsOf(file).has(decodeURIComponent(url.hash.slice(1)))) {
        broken.push(`${where} (no element with id "${decodeURIComponent(url.hash.slice(1))}")`);
      }
    }
  }
  return broken;
}

/** Broken repository-file links of the root README and of docs pages (links that leave apps/docs). */
export function checkSources() {
  const broken = [];
  const readme = resolve(here, "../../README.md");
  for (const page of [readme, ...walk(here, (path) => path.endsWith(".md"))]) {
    for (const [, target] of readFileSync(page, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const file = resolve(dirname(page), target.split("#")[0]);
      if (page !== readme && file.startsWith(`${here}/`)) continue; // in-site links: checked on the built site
      if (!existsSync(file)) broken.push(`${page}: ${target} (no such file)`);
    }
  }
  return broken;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!existsSync(join(SITE, "index.html"))) {
    console.error("docs: no built site in .vitepress/dist; run `pnpm --filter @toolshim/docs build` first");
    process.exit(1);
  }
  const broken = [...checkSite(), ...checkSources()];
  for (const line of broken) console.error(`broken link: ${line}`);
  const pages = walk(SITE, (path) => path.endsWith(".html")).length;
  console.log(`docs: ${pages} built pages and the repository links checked, ${broken.length} broken`);
  process.exit(broken.length ? 1 : 0);
}
