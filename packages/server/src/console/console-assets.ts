import { readFile } from "node:fs/promises";

/** The UI bundle's files (built by `tsup --config tsup.console.config.ts` into dist/console/). */
const ASSETS: Record<string, string> = {
  "console-ui.js": "text/javascript; charset=utf-8",
  "console-ui.css": "text/css; charset=utf-8",
};

// From the bundled server (dist/*.js) the UI sits in ./console/; from the sources (tests) in ../../dist/console/.
const PLACES = ["./console/", "../../dist/console/"];

const cache = new Map<string, Promise<string | undefined>>();

/** A built UI file with its content type, or undefined when it is unknown or has not been built. */
export async function readAsset(name: string): Promise<{ body: string; type: string } | undefined> {
  const type = ASSETS[name];
  if (!type) return undefined;
  let body = cache.get(name);
  if (!body) {
    body = firstReadable(name);
    cache.set(name, body);
  }
  const text = await body;
  return text === undefined ? undefined : { body: text, type };
}

async function firstReadable(name: string): Promise<string | undefined> {
  for (const place of PLACES) {
    try {
      return await readFile(new URL(place + name, import.meta.url), "utf8");
    } catch {
      // Not here; try the next place.
    }
  }
  return undefined;
}
