import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";

export const SESSION_COOKIE = "toolshim_console";
const SESSION_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 100;

interface Session {
  csrf: string;
  expires: number;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Console logins: the admin key (compared in constant time) opens a session kept in memory; the browser holds only a
 * random id in an HttpOnly, SameSite=Strict cookie. Each session has its own CSRF token, which state-changing requests
 * must send back in a header (a form post from another site cannot set it).
 */
export class ConsoleSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly expected: Buffer;

  constructor(adminKey: string) {
    this.expected = digest(adminKey);
  }

  keyMatches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.expected);
  }

  /** A new session; returns its id (for the cookie). */
  open(): string {
    const id = randomBytes(24).toString("base64url");
    this.sessions.set(id, { csrf: randomBytes(24).toString("base64url"), expires: Date.now() + SESSION_MS });
    // The oldest sessions go first when too many are open.
    for (const key of this.sessions.keys()) {
      if (this.sessions.size <= MAX_SESSIONS) break;
      this.sessions.delete(key);
    }
    return id;
  }

  close(c: Context): void {
    const id = getCookie(c, SESSION_COOKIE);
    if (id) this.sessions.delete(id);
  }

  /** The request's live session, if it has one. */
  of(c: Context): Session | undefined {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expires < Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  /** True when the request carries its session's CSRF token (header, or a form field for plain forms). */
  csrfMatches(session: Session, presented: string | undefined): boolean {
    if (!presented) return false;
    return timingSafeEqual(digest(presented), digest(session.csrf));
  }
}

/** The cookie as sent: Secure when the console is reached over HTTPS. */
export function sessionCookie(c: Context, id: string, maxAgeSeconds = SESSION_MS / 1000): string {
  const secure = new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
  return `${SESSION_COOKIE}=${id}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

/**
 * Whether a state-changing request comes from the console's own pages: browsers say so in Sec-Fetch-Site, or (older
 * ones) in Origin; a request with neither is not from a browser page, so no other site can have sent it.
 */
export function sameOrigin(c: Context): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site === "same-origin";
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === undefined;
  try {
    return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}
