import { formatPath, type KeyPath } from "./format-issues.js";

const URL_LIKE = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

/**
 * One problem per URL in a provider's options that carries a user name or password (`http://user:pass@host`). Such a
 * URL can never work (fetch refuses credentials in URLs) and would put the password wherever the URL is shown, so it
 * is a config error that says where the key goes instead. The message never repeats the URL.
 */
export function urlCredentialProblems(options: unknown, path: KeyPath): string[] {
  const problems: string[] = [];
  const visit = (node: unknown, at: KeyPath) => {
    if (typeof node === "string") {
      if (URL_LIKE.test(node) && hasCredentials(node)) {
        problems.push(
          `${formatPath(at)}: the URL has a user name or password in it (user:pass@host), which toolshim cannot send ` +
            "(fetch refuses credentials in URLs) and would show wherever the URL appears. Remove them from the URL and " +
            "give the key as apiKey (sent as Authorization: Bearer) or as a header under headers, from an environment " +
            "variable (apiKey: ${MY_KEY}).",
        );
      }
    } else if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, [...at, index]));
    } else if (node !== null && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) visit(value, [...at, key]);
    }
  };
  visit(options, path);
  return problems;
}

function hasCredentials(text: string): boolean {
  try {
    const url = new URL(text.trim());
    return url.username !== "" || url.password !== "";
  } catch {
    // Not a URL the provider could use either; its own schema says so.
    return false;
  }
}
