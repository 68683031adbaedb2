import { type Clock, systemClock } from "./clock.js";
import type { ProviderState } from "./provider-state.js";
import type { Secret } from "./redact.js";
import { SharedLogin, type SharedLoginOptions } from "./shared-login.js";

/** What a sign-in gives: the token, and when it stops working when the upstream says so (epoch ms). */
export interface LoginGrant {
  token: Secret;
  expiresAt?: number;
  /**
   * The sign-in worked but the account cannot be used yet (e.g. muted): the token is kept, and every caller waiting
   * on this sign-in gets this error.
   */
  error?: unknown;
}

export interface LoginSessionOptions {
  /** A configured token; used until it is refused, or until it expires when the session can sign in. */
  token?: Secret;
  /** When the configured token expires (epoch ms), if known. */
  expiresAt?: number;
  /** Sign in again this long before a known expiry; default one minute. */
  refreshBeforeMs?: number;
  /** Time; polling for another instance's sign-in also uses its timers when it has them. */
  clock?: Pick<Clock, "now"> | Clock;
  /**
   * The provider's state. When it carries a sealer (a store shared by several instances, given a secret) and
   * `identity` is set, the token is kept there for every instance (see `SharedLogin`); otherwise in this session only.
   */
  state?: ProviderState;
  /** Who signs in (an email, a phone number): only a keyed hash of it reaches the store. */
  identity?: string;
  /** Waits and lifetimes of the shared mode. */
  shared?: SharedLoginOptions;
}

/**
 * How this request signs in: absent for an account with only a configured token (static mode: it is never renewed,
 * and a refusal is final). Passed per call because the sign-in needs the provider's client, not the account's.
 */
export interface TokenOptions {
  login?: () => Promise<LoginGrant>;
  /** The caller stops waiting when this aborts; a shared sign-in goes on for the others. */
  signal?: AbortSignal;
}

export interface WithTokenOptions extends TokenOptions {
  /** Whether an error means the upstream refused the token. */
  isAuthFailure(error: unknown): boolean;
  /** Shared by the calls of one request, so that the request signs in again at most once in all. */
  budget?: ReloginBudget;
  /** Told before the one re-login (for a log line). */
  onRelogin?(): void;
}

/** One re-login per request, however many authed calls it makes. */
export interface ReloginBudget {
  used: boolean;
  /** The token the request works with: later calls reuse it rather than renew it mid-request (chats belong to it). */
  token?: Secret;
}

/**
 * An account's token for a web chat: concurrent callers share one sign-in, a token about to expire is renewed first,
 * and a refused token is replaced by one more sign-in. A session without a sign-in (static token) never renews it:
 * once refused, `refused` is true and the provider should disable the account.
 */
export class LoginSession {
  #token: Secret | undefined;
  #expiresAt: number | undefined;
  #signingIn: Promise<Secret> | undefined;
  /** The last token the upstream refused: a store still holding it must not hand it back. */
  #rejected: Secret | undefined;
  readonly #shared: SharedLogin | undefined;
  readonly #refreshBeforeMs: number;
  readonly #clock: Pick<Clock, "now">;
  /** The upstream refused the token and there was no way (left) to get another. */
  refused = false;

  constructor(options: LoginSessionOptions = {}) {
    this.#token = options.token;
    this.#expiresAt = options.expiresAt;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    const { state, identity } = options;
    if (state?.sealer && identity !== undefined) {
      const timers: Pick<Clock, "setTimeout"> = hasTimers(this.#clock) ? this.#clock : systemClock;
      const clock = { now: () => this.#clock.now(), setTimeout: (callback: () => void, ms: number) => timers.setTimeout(callback, ms) };
      this.#shared = new SharedLogin(state, state.sealer, identity, options.shared, clock);
    }
  }

  /** Whether the token is kept in a shared store (several instances, one sign-in). */
  get shared(): boolean {
    return this.#shared !== undefined;
  }

  /** The token held now, if any (never signs in). */
  get current(): Secret | undefined {
    return this.#token;
  }

  /** Whether `token()` would sign in rather than hand out the held token. */
  needsLogin(): boolean {
    return !this.#token || !this.#fresh(this.#expiresAt);
  }

  #fresh(expiresAt: number | undefined): boolean {
    return expiresAt === undefined || expiresAt - this.#refreshBeforeMs > this.#clock.now();
  }

  /** A usable token: the held one, or a fresh sign-in shared with every concurrent caller. */
  token(options: TokenOptions = {}): Promise<Secret> {
    const { login, signal } = options;
    if (this.#token && (!this.needsLogin() || !login)) return Promise.resolve(this.#token);
    if (!login) return Promise.reject(new Error("no token and no way to sign in"));
    this.#signingIn ??= this.#signIn(login).finally(() => {
      this.#signingIn = undefined;
    });
    return signal ? abortable(this.#signingIn, signal) : this.#signingIn;
  }

  /** Forget `token` after a refusal, unless a newer one already replaced it. */
  invalidate(token: Secret): void {
    if (this.#token !== token) return;
    this.#rejected = token;
    this.#token = undefined;
    this.#expiresAt = undefined;
  }

  /** Runs `call` with a token; when the upstream refuses it, signs in once more and retries once. */
  async withToken<T>(call: (token: Secret) => Promise<T>, options: WithTokenOptions): Promise<T> {
    const budget = options.budget ?? { used: false };
    const token = budget.token ?? (await this.token(options));
    budget.token = token;
    try {
      return await call(token);
    } catch (error) {
      if (!options.isAuthFailure(error)) throw error;
      if (budget.used || !options.login) {
        this.refused = true;
        throw error;
      }
      budget.used = true;
      options.onRelogin?.();
      this.invalidate(token);
      const fresh = await this.token(options);
      budget.token = fresh;
      try {
        return await call(fresh);
      } catch (again) {
        if (options.isAuthFailure(again)) this.refused = true;
        throw again;
      }
    }
  }

  async #signIn(login: () => Promise<LoginGrant>): Promise<Secret> {
    const grant = this.#shared ? await this.#shared.obtain(login, this.#rejected, (expiresAt) => this.#fresh(expiresAt)) : await login();
    this.#token = grant.token;
    this.#rejected = undefined;
    this.#expiresAt = grant.expiresAt;
    this.refused = false;
    if (grant.error !== undefined) throw grant.error;
    return grant.token;
  }
}

function hasTimers(clock: Pick<Clock, "now">): clock is Clock {
  return typeof (clock as Partial<Clock>).setTimeout === "function";
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
