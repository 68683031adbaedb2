import { type PoolAccount, Secret } from "@toolshim/core/provider-utils";
import type { AccountSettings } from "../settings.js";

/** Renew a token this long before its `exp` (the newest capture shows 15-minute tokens). */
const RENEW_BEFORE_MS = 60_000;

/** One Qwen Chat account: its credentials (as Secrets), its token, and its state for the pool. */
export class QwenAccount implements PoolAccount {
  readonly label: string;
  readonly email: string | undefined;
  readonly password: Secret | undefined;
  token: Secret | undefined;
  /** A sign-in in progress, shared by the requests that need it. */
  signingIn: Promise<string> | undefined;
  status = "ok";
  terminal = false;
  until: number | undefined;
  detail: string | undefined;
  inFlight = 0;
  lastLeasedAt = 0;

  constructor(settings: AccountSettings, index: number) {
    this.label = settings.name ?? settings.email ?? `account ${index + 1}`;
    this.email = settings.email;
    this.password = settings.password !== undefined ? new Secret(settings.password) : undefined;
    this.token = settings.token !== undefined ? new Secret(settings.token) : undefined;
  }

  get canSignIn(): boolean {
    return this.email !== undefined && this.password !== undefined;
  }

  /** True when the token is missing, or known (from its JWT `exp`) to expire within a minute. */
  needsToken(now: number): boolean {
    if (!this.token) return true;
    const exp = jwtExpiry(this.token.reveal());
    return exp !== undefined && exp - RENEW_BEFORE_MS <= now && this.canSignIn;
  }

  availableAt(now: number): boolean {
    if (this.terminal) return false;
    if (this.until !== undefined && this.until <= now) this.#recover();
    return this.until === undefined;
  }

  readyAt(now: number): number | undefined {
    return this.until !== undefined && this.until > now ? this.until : undefined;
  }

  rest(status: string, untilMs: number, detail: string): void {
    this.status = status;
    this.until = untilMs;
    this.detail = detail;
  }

  disable(status: string, detail: string): void {
    this.status = status;
    this.terminal = true;
    this.detail = detail;
  }

  secrets(): Secret[] {
    return [this.token, this.password].filter((secret): secret is Secret => secret !== undefined);
  }

  #recover(): void {
    this.status = "ok";
    this.until = undefined;
    this.detail = undefined;
  }
}

/** The `exp` of a JWT in ms, or undefined when the token is not a readable JWT (then it is used until refused). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "="));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
