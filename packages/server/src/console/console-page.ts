/** The content security policy of every console response: nothing from outside, no framing, no inline code. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": CONSOLE_CSP,
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: with it, browsers send `Origin: null` on the console's own form posts.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

function shell(title: string, body: string, csrf = ""): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="toolshim-csrf" content="${escapeHtml(csrf)}"><title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/console/assets/console-ui.css"></head>
<body>${body}</body></html>`;
}

export function loginPage(message?: string): string {
  return shell(
    "toolshim console: log in",
    `<main class="login"><h1>toolshim console</h1>
<form method="post" action="/console/login">
<label for="key">Console admin key (<code>console.adminKey</code>)</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Log in</button>
${message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : ""}
</form></main>`,
  );
}

/** The app shell; console-ui.js fills in #app from the hash route. */
export function appPage(csrf: string): string {
  return shell(
    "toolshim console",
    `<header class="bar"><strong>toolshim</strong>
<nav><a href="#/">Requests</a><a href="#/providers">Providers</a><a href="#/playground">Playground</a></nav>
<form method="post" action="/console/logout" class="logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">Log out</button></form>
</header>
<main id="app"><p>Loading…</p></main>
<script type="module" src="/console/assets/console-ui.js"></script>`,
    csrf,
  );
}
