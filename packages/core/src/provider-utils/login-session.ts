import { type Clock, systemClock } from "./clock.js";
import type { Secret } from "./redact.js";

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
  clock?: Pick<Clock, "now">;
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
  readonly #refreshBeforeMs: number;
  readonly #clock: Pick<Clock, "now">;
  /** The upstream refused the token and there was no way (left) to get another. */
  refused = false;

  constructor(options: LoginSessionOptions = {}) {
    this.#token = options.token;
    this.#expiresAt = options.expiresAt;
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
  }

  /** The token held now, if any (never signs in). */
  get current(): Secret | undefined {
    return this.#token;
  }

  /** Whether `token()` would sign in rather than hand out the held token. */
  needsLogin(): boolean {
    if (!this.#token) return true;
    return this.#expiresAt !== undefined && this.#expiresAt - this.#refreshBeforeMs <= this.#clock.now();
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
    const grant = await login();
    this.#token = grant.token;
    this.#expiresAt = grant.expiresAt;
    this.refused = false;
    if (grant.error !== undefined) throw grant.error;
    return grant.token;
  }
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
