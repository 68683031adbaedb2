import { afterAll, beforeAll } from "vitest";

/**
 * Starts a gateway once for the test file and stops it after the last test; `use` receives it for the tests to read.
 * The long hook timeout leaves room for a start that builds the server first when its dist/ is stale.
 */
export function gatewayForFile<G extends { stop(): Promise<void> }>(start: () => Promise<G>, use: (gateway: G) => void): void {
  let started: G | undefined;
  beforeAll(async () => {
    started = await start();
    use(started);
  }, 180_000);
  afterAll(async () => {
    await started?.stop();
  });
}

/**
 * The paths of every fetch the test file makes to `origin()` (read when each request goes out), for checking which
 * wire API a client speaks. Wraps the global fetch for the file's tests and restores it after.
 */
export function recordFetchPaths(origin: () => string): string[] {
  const paths: string[] = [];
  const realFetch = globalThis.fetch;
  beforeAll(() => {
    globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.origin === new URL(origin()).origin) paths.push(url.pathname);
      return realFetch(input, init);
    };
  });
  afterAll(() => {
    globalThis.fetch = realFetch;
  });
  return paths;
}
