import { type Clock, systemClock } from "./clock.js";
import type { LoginGrant } from "./login-session.js";
import type { ProviderState } from "./provider-state.js";
import { Secret } from "./redact.js";
import type { StateSealer } from "./state-sealer.js";

export interface SharedLoginOptions {
  /** How long an instance waits for another instance's sign-in before it signs in itself. Default 15 s. */
  waitMs?: number;
  /** How often a waiting instance looks for the token. Default 250 ms. */
  pollMs?: number;
  /** The sign-in lock's lifetime: an instance that dies while signing in blocks the others no longer. Default 30 s. */
  lockTtlMs?: number;
  /** How long a token whose expiry is unknown stays in the store. Default 12 hours. */
  ttlMs?: number;
}

/** What the store holds for one account: the sealed token and, when known, its expiry (not a secret). */
interface StoredToken {
  sealed: string;
  expiresAt?: number;
}

/**
 * One account's token kept in a shared `ProviderState`, for `LoginSession`: the instances sign in once between them.
 * The key is `login:<HMAC of the account's identity>` (no email or phone in the store); the value is sealed (AES-GCM)
 * and expires with the token. A sign-in happens under a claimed lock; the other instances poll for its token for a
 * bounded time, then sign in themselves. A token that was refused is replaced only while the store still holds it.
 */
export class SharedLogin {
  readonly #state: ProviderState;
  readonly #sealer: StateSealer;
  readonly #identity: string;
  readonly #clock: Pick<Clock, "now" | "setTimeout">;
  readonly #waitMs: number;
  readonly #pollMs: number;
  readonly #lockTtlMs: number;
  readonly #ttlMs: number;
  #key: Promise<string> | undefined;

  constructor(state: ProviderState, sealer: StateSealer, identity: string, options: SharedLoginOptions = {}, clock: Pick<Clock, "now" | "setTimeout"> = systemClock) {
    this.#state = state;
    this.#sealer = sealer;
    this.#identity = identity;
    this.#clock = clock;
    this.#waitMs = options.waitMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 250;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#ttlMs = options.ttlMs ?? 12 * 60 * 60_000;
  }

  /**
   * A token for the account: one in the store that is neither `rejected` nor due for renewal (`fresh` says), or a
   * sign-in (`login`) by this instance when it holds the lock, or when the instance holding it took longer than
   * `waitMs`. Store failures before the sign-in propagate; a failure to store its result does not (the token works).
   */
  async obtain(login: () => Promise<LoginGrant>, rejected: Secret | undefined, fresh: (expiresAt: number | undefined) => boolean): Promise<LoginGrant> {
    const key = await this.#storeKey();
    const lock = `${key}:lock`;
    const owner = globalThis.crypto.randomUUID();
    const deadline = this.#clock.now() + this.#waitMs;
    for (;;) {
      const stored = await this.#read(key, rejected, fresh);
      if (stored) return stored;
      if (await this.#state.claim(lock, owner, this.#lockTtlMs)) {
        try {
          // Another instance may have stored a token between the read and the claim.
          return (await this.#read(key, rejected, fresh)) ?? (await this.#signIn(key, login));
        } finally {
          await this.#state.unclaim(lock, owner).catch(() => undefined);
        }
      }
      if (this.#clock.now() >= deadline) return this.#signIn(key, login);
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, this.#pollMs));
    }
  }

  #storeKey(): Promise<string> {
    this.#key ??= this.#sealer.name(this.#identity).then((name) => `login:${name}`);
    return this.#key;
  }

  async #read(key: string, rejected: Secret | undefined, fresh: (expiresAt: number | undefined) => boolean): Promise<LoginGrant | undefined> {
    const stored = await this.#state.get<StoredToken>(key);
    if (!stored || typeof stored.sealed !== "string") return undefined;
    const expiresAt = typeof stored.expiresAt === "number" ? stored.expiresAt : undefined;
    if (!fresh(expiresAt)) return undefined;
    const plain = await this.#sealer.open(stored.sealed, key);
    if (plain === undefined || plain === rejected?.reveal()) return undefined;
    return expiresAt === undefined ? { token: new Secret(plain) } : { token: new Secret(plain), expiresAt };
  }

  async #signIn(key: string, login: () => Promise<LoginGrant>): Promise<LoginGrant> {
    const grant = await login();
    const ttlMs = grant.expiresAt === undefined ? this.#ttlMs : grant.expiresAt - this.#clock.now();
    if (ttlMs > 0) {
      const value: StoredToken = { sealed: await this.#sealer.seal(grant.token.reveal(), key), ...(grant.expiresAt === undefined ? {} : { expiresAt: grant.expiresAt }) };
      // Not storing it only costs the other instances a sign-in of their own; this one has its token.
      await this.#state.set(key, value, { ttlMs }).catch(() => undefined);
    }
    return grant;
  }
}
