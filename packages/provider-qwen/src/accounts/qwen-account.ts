import { LoginSession, type PoolAccount, type ProviderState, Secret } from "@toolshim/core/provider-utils";
import type { AccountSettings } from "../settings.js";

/** The statuses `rest` records: they end by themselves, so another instance may take them over. */
const RESTING: ReadonlySet<string> = new Set(["rate_limited", "quota", "human_verification_required"]);

/** One Qwen Chat account: its credentials (as Secrets), its token, and its state for the pool. */
export class QwenAccount implements PoolAccount {
  readonly label: string;
  readonly email: string | undefined;
  readonly password: Secret | undefined;
  /** Its token (configured or signed in), renewed a minute before its JWT `exp`; sign-ins are shared. */
  readonly session: LoginSession;
  status = "ok";
  terminal = false;
  until: number | undefined;
  detail: string | undefined;
  inFlight = 0;
  lastLeasedAt = 0;

  /** With a shared `state` (several instances, a state secret), the account's token lives there for all of them. */
  constructor(settings: AccountSettings, index: number, state?: ProviderState) {
    this.label = settings.name ?? settings.email ?? `account ${index + 1}`;
    this.email = settings.email;
    this.password = settings.password !== undefined ? new Secret(settings.password) : undefined;
    this.session = new LoginSession({
      ...(settings.token !== undefined ? withExpiry(new Secret(settings.token)) : {}),
      ...(state && settings.email !== undefined ? { state, identity: `email:${settings.email}` } : {}),
    });
  }

  get canSignIn(): boolean {
    return this.email !== undefined && this.password !== undefined;
  }

  get token(): Secret | undefined {
    return this.session.current;
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

  /** A rest another instance recorded (or this one before a restart); a retired account stays retired. */
  restoreCooldown(status: string, until: number, detail?: string): void {
    if (this.terminal || !RESTING.has(status)) return;
    this.rest(status, until, detail ?? "set aside by another gateway instance");
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

/** A token with its JWT `exp` (the newest capture shows 15-minute tokens; the session renews a minute ahead). */
export function withExpiry(token: Secret): { token: Secret; expiresAt?: number } {
  const expiresAt = jwtExpiry(token.reveal());
  return expiresAt !== undefined ? { token, expiresAt } : { token };
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
