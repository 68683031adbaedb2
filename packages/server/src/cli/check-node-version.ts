/**
 * The lowest Node.js release toolshim supports; package.json `engines` says the same (a test keeps them equal).
 * 22.18 is where `node:sqlite` needs no flag and where the toolchain's own dependencies start.
 */
export const MIN_NODE_VERSION = "22.18.0";

function parts(version: string): number[] {
  return version
    .replace(/^v/, "")
    .split(".")
    .map((part) => Number.parseInt(part, 10) || 0);
}

/** A message for the user when `version` is older than the minimum, else undefined. */
export function nodeVersionProblem(version: string, minimum: string = MIN_NODE_VERSION): string | undefined {
  const have = parts(version);
  const need = parts(minimum);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a > b) return undefined;
    if (a < b) {
      return (
        `toolshim needs Node.js ${minimum} or newer; this is Node.js ${version.replace(/^v/, "")}. ` +
        "Install a current LTS release (https://nodejs.org), or run it once with a newer Node from npm: " +
        "npx -p node@22 -p @toolshim/server toolshim serve"
      );
    }
  }
  return undefined;
}
