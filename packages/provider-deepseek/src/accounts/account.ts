import { LoginSession, type ProviderState, Secret } from "@toolshim/core/provider-utils";

/** One configured DeepSeek web account: a user token, a login (email or mobile + password), or both. */
export interface AccountConfig {
  /** Shown in logs and /health; default: a masked email / mobile, or `token-<n>`. */
  name?: string;
  /** The web `userToken` (chat.deepseek.com → DevTools → Local Storage → userToken → value). */
  token?: string;
  email?: string;
  mobile?: string;
  /** Sent with a mobile login; the reference's proxies send none (null) for mainland numbers. */
  areaCode?: string;
  password?: string;
  /** `device_id` sent with the login. */
  deviceId?: string;
}

/**
 * Where an account stands, as logs and /health show it.
 * - ok: usable (it may still be at its stream limit);
 * - invalid_token: its token was rejected and there is no password to log in again;
 * - wrong_password: the login was refused for the credentials;
 * - login_failed: the login was refused for another reason (e.g. RISK_DEVICE_DETECTED): supply a token instead;
 * - muted: DeepSeek muted the account until `until`;
 * - banned: DeepSeek banned the account (USER_IS_BANNED);
 * - rate_limited: throttled ("messages too frequent"); cooling down until `until`.
 */
export type AccountStatus = "ok" | "invalid_token" | "wrong_password" | "login_failed" | "muted" | "banned" | "rate_limited";

/** States that last until the configuration changes. */
export const TERMINAL_STATUSES: ReadonlySet<AccountStatus> = new Set(["invalid_token", "wrong_password", "login_failed", "banned"]);

export class Account {
  readonly label: string;
  readonly index: number;
  readonly email?: string;
  readonly mobile?: string;
  readonly areaCode?: string;
  readonly deviceId?: string;
  readonly password?: Secret;
  /** Its token: the configured one, or the last login's; shared sign-ins and the one re-login live here. */
  readonly session: LoginSession;
  status: AccountStatus = "ok";
  /** Epoch ms when a muted / rate_limited account becomes usable again. */
  until?: number;
  /** The upstream's own words for the last failure (never a credential). */
  detail?: string;
  inFlight = 0;
  /** Epoch ms of the last lease; 0 = never, which puts unused accounts first. */
  lastLeasedAt = 0;

  /** With a shared `state` (several instances, a state secret), the account's token lives there for all of them. */
  constructor(config: AccountConfig, index: number, state?: ProviderState) {
    this.index = index;
    if (config.email !== undefined) this.email = config.email;
    if (config.mobile !== undefined) this.mobile = config.mobile;
    if (config.areaCode !== undefined) this.areaCode = config.areaCode;
    if (config.deviceId !== undefined) this.deviceId = config.deviceId;
    if (config.password !== undefined) this.password = new Secret(config.password);
    const identity = loginIdentity(config);
    this.session = new LoginSession({
      ...(config.token !== undefined ? { token: new Secret(config.token) } : {}),
      ...(state && identity !== undefined ? { state, identity } : {}),
    });
    this.label = config.name ?? defaultLabel(config, index);
  }

  get token(): Secret | undefined {
    return this.session.current;
  }

  get canLogin(): boolean {
    return this.password !== undefined && (this.email !== undefined || this.mobile !== undefined);
  }

  /** Epoch ms of a short pause that is not a state (the server still counted streams we had left). */
  restingUntil?: number;

  /**
   * From when the account can take a stream, ignoring its stream limit: `now` or earlier when it can now, undefined
   * when only a configuration change helps. A cooldown that has ended turns the status back to ok.
   */
  readyAt(now: number): number | undefined {
    if (this.terminal) return undefined;
    if (this.status !== "ok" && this.until !== undefined && this.until <= now) {
      this.status = "ok";
      delete this.until;
      delete this.detail;
    }
    const cooling = this.status === "ok" ? now : (this.until ?? now);
    return Math.max(cooling, this.restingUntil ?? now);
  }

  availableAt(now: number): boolean {
    const at = this.readyAt(now);
    return at !== undefined && at <= now;
  }

  /** Keep the account out of rotation until `until` without changing its status. */
  rest(until: number): void {
    this.restingUntil = Math.max(until, this.restingUntil ?? 0);
  }

  /** Throttled or muted: unusable until `until` (epoch ms). */
  coolDown(status: "rate_limited" | "muted", until: number, detail?: string): void {
    this.status = status;
    this.until = Math.max(until, this.until ?? 0);
    this.#setDetail(detail);
  }

  /** A cooldown another gateway instance or an earlier run recorded (see AccountPool's state). */
  restoreCooldown(status: string, until: number, detail?: string): void {
    if (this.terminal || (status !== "rate_limited" && status !== "muted")) return;
    this.coolDown(status, until, detail);
  }

  /** A state only a configuration change can undo. */
  disable(status: "invalid_token" | "wrong_password" | "login_failed" | "banned", detail?: string): void {
    this.status = status;
    delete this.until;
    this.#setDetail(detail);
  }

  #setDetail(detail: string | undefined): void {
    if (detail === undefined) delete this.detail;
    else this.detail = detail;
  }

  get terminal(): boolean {
    return TERMINAL_STATUSES.has(this.status);
  }

  /** Never includes a credential: the log-facing view. */
  toJSON(): Record<string, unknown> {
    return { account: this.label, status: this.status, inFlight: this.inFlight };
  }
}

/** Who signs in, as the login sends it (the email wins when both are set); hashed before it reaches a store. */
function loginIdentity(config: AccountConfig): string | undefined {
  if (config.email !== undefined) return `email:${config.email}`;
  if (config.mobile !== undefined) return `mobile:${config.areaCode ?? ""}:${config.mobile}`;
  return undefined;
}

function defaultLabel(config: AccountConfig, index: number): string {
  if (config.email !== undefined) {
    const [user = "", domain = ""] = config.email.split("@");
    return `${user.slice(0, 1)}***@${domain}`;
  }
  if (config.mobile !== undefined) return `***${config.mobile.slice(-4)}`;
  return `token-${index + 1}`;
}
