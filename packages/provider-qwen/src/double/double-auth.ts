import type { IncomingMessage } from "node:http";

/** The double's accounts and the JWTs it issued (reference §4.2: HS256, `kid: "legacy"`, 15-minute access tokens). */
export class DoubleAuth {
  readonly #passwords = new Map<string, string>();
  readonly #tokens = new Map<string, { account: string; exp: number }>();
  readonly lifetimeSeconds: number;
  logins = 0;

  constructor(options: { accounts: { email: string; password: string }[]; tokens: string[]; lifetimeSeconds: number }) {
    this.lifetimeSeconds = options.lifetimeSeconds;
    for (const account of options.accounts) this.#passwords.set(account.email, account.password);
    // Configured tokens never expire unless `expire` is called: they stand for tokens copied from a browser.
    for (const token of options.tokens) this.#tokens.set(token, { account: token, exp: Number.POSITIVE_INFINITY });
  }

  /** A JWT for `email` when `passwordHash` is the SHA-256 hex of its password. */
  async signIn(email: string, passwordHash: string): Promise<string | undefined> {
    const password = this.#passwords.get(email);
    if (password === undefined || (await sha256Hex(password)) !== passwordHash.toLowerCase()) return undefined;
    this.logins++;
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + this.lifetimeSeconds;
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const claims = { id: email, last_password_change: 1_700_000_000, type: "access_token", exp, iat };
    const token = `${part({ alg: "HS256", kid: "legacy", typ: "JWT" })}.${part(claims)}.${Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("base64url")}`;
    this.#tokens.set(token, { account: email, exp: exp * 1000 });
    return token;
  }

  /** The account a request's bearer (or `token` cookie) belongs to, or why it is refused. */
  check(req: IncomingMessage): { account: string } | { refused: string } {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const cookie = /(?:^|;\s*)token=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    const token = bearer ?? cookie;
    if (!token) return { refused: "missing token" };
    const entry = this.#tokens.get(token);
    if (!entry) return { refused: "invalid token" };
    if (entry.exp <= Date.now()) return { refused: "token expired" };
    return { account: entry.account };
  }

  /** Expires every token of `account` (or every token), as the 15-minute lifetime would. */
  expire(account?: string): void {
    for (const entry of this.#tokens.values()) if (account === undefined || entry.account === account) entry.exp = 0;
  }
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
