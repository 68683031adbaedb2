import { UpstreamError } from "../upstream.js";
import { type Clock, systemClock } from "./clock.js";
import type { ProviderState } from "./provider-state.js";

/**
 * What the pool needs of an account. The provider's own account class keeps its credentials, login and status
 * transitions (cooldown after throttling, disabled after a refused token); the pool only reads them to pick one.
 */
export interface PoolAccount {
  /** For health and error messages; never a credential. */
  readonly label: string;
  /** The provider's own status words ("ok", "rate_limited", "invalid_token", …). */
  readonly status: string;
  /** True when the account can never serve again without a config change (a refused token, a ban). */
  readonly terminal: boolean;
  /** When a cooling-down account is usable again (ms since the epoch). */
  readonly until?: number;
  readonly detail?: string;
  /** Streams in progress; maintained by the pool's leases. */
  inFlight: number;
  /** Maintained by the pool: the least recently leased account goes first. */
  lastLeasedAt: number;
  availableAt(now: number): boolean;
  /** When the account leaves its cooldown, or undefined when it is not cooling down. */
  readyAt(now: number): number | undefined;
  /** Puts the account back into a cooldown another instance (or an earlier run) recorded in the pool's state. */
  restoreCooldown?(status: string, until: number, detail?: string): void;
}

/** What the pool keeps in its state for an account that is cooling down. */
interface CooldownRecord {
  status: string;
  until: number;
  detail?: string;
}

export interface AccountPoolOptions {
  /** Concurrent streams one account serves. */
  maxStreamsPerAccount: number;
  /** How long a request waits for a free account before it is answered 429. */
  queueTimeoutMs: number;
  /** Requests allowed to wait at once; more are answered 429 at once. */
  maxQueueLength: number;
  clock?: Clock;
  /** The service's name in error messages ("DeepSeek"). */
  service: string;
  /**
   * Where cooldowns are recorded (keyed by account label, expiring with the cooldown), so another gateway instance
   * sharing the store, or the next run, does not hammer an account the upstream just throttled. Leases stay local.
   */
  state?: ProviderState;
}

/** A lease on one stream slot of an account. `release` is idempotent. */
export interface AccountLease<A extends PoolAccount = PoolAccount> {
  readonly account: A;
  release(): void;
}

export interface AcquireOptions<A extends PoolAccount = PoolAccount> {
  signal?: AbortSignal;
  /** Accounts this request already tried (and failed on); they are not offered again. */
  exclude?: ReadonlySet<A>;
}

export type AccountHealth = {
  account: string;
  status: string;
  inFlight: number;
  maxStreams: number;
  /** ISO time when a muted / rate-limited account is usable again. */
  until?: string;
  detail?: string;
};

/** A type alias (not an interface) so it fits health records with an index signature, like the server's. */
export type PoolHealth = {
  /** ok: every account usable; degraded: some are; down: none can take a stream now. */
  status: "ok" | "degraded" | "down";
  inFlight: number;
  waiting: number;
  accounts: AccountHealth[];
};

/** Raised by `acquire` when every account this request may use was already tried; the caller rethrows its own error. */
export const NO_UNTRIED_ACCOUNT = "no_untried_account";

interface Waiter<A extends PoolAccount> {
  exclude: ReadonlySet<A> | undefined;
  resolve(lease: AccountLease<A>): void;
  reject(error: unknown): void;
  cleanup(): void;
}

/**
 * The accounts of one provider and the stream slots they offer. `acquire` leases a slot on the least recently used
 * account that is available and under its stream limit, or waits in FIFO order (bounded in time and length) until one
 * frees up or leaves its cooldown. Accounts in a terminal state are never offered; when none is left the caller
 * learns why at once instead of waiting out the queue timeout. Shared by web-chat providers; state lives in memory
 * (a pool shared between gateway instances is for a later store).
 */
export class AccountPool<A extends PoolAccount = PoolAccount> {
  readonly #accounts: readonly A[];
  readonly #options: Required<Omit<AccountPoolOptions, "clock" | "state">>;
  readonly #state: ProviderState | undefined;
  readonly #clock: Clock;
  readonly #waiters: Waiter<A>[] = [];
  #wakeTimer: unknown;
  #wakeAt = Number.POSITIVE_INFINITY;
  #closed: UpstreamError | undefined;

  constructor(accounts: readonly A[], options: AccountPoolOptions) {
    this.#accounts = accounts;
    this.#options = {
      maxStreamsPerAccount: options.maxStreamsPerAccount,
      queueTimeoutMs: options.queueTimeoutMs,
      maxQueueLength: options.maxQueueLength,
      service: options.service,
    };
    this.#clock = options.clock ?? systemClock;
    this.#state = options.state;
  }

  get accounts(): readonly A[] {
    return this.#accounts;
  }

  acquire(options: AcquireOptions<A> = {}): Promise<AccountLease<A>> {
    const { signal, exclude } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) return Promise.reject(this.#closed);
    const lease = this.#tryLease(exclude);
    if (lease) return Promise.resolve(lease);
    const refusal = this.#refusal(exclude);
    if (refusal) return Promise.reject(refusal);
    if (this.#waiters.length >= this.#options.maxQueueLength) {
      return Promise.reject(this.#busyError(`${this.#waiters.length} requests are already waiting`));
    }
    return new Promise<AccountLease<A>>((resolve, reject) => {
      const onAbort = () => {
        this.#removeWaiter(waiter);
        reject(signal?.reason);
      };
      const timer = this.#clock.setTimeout(() => {
        this.#removeWaiter(waiter);
        reject(this.#busyError(`waited ${Math.round(this.#options.queueTimeoutMs / 1000)} s`));
      }, this.#options.queueTimeoutMs);
      const waiter: Waiter<A> = {
        exclude,
        resolve,
        reject,
        cleanup: () => {
          this.#clock.clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#scheduleWake();
    });
  }

  /** Re-examine waiting requests after an account's state changed (cooldown set, login succeeded, …). */
  changed(): void {
    this.#persist();
    this.#pump();
  }

  /**
   * Reads the cooldowns recorded in the state and applies those still running to accounts that can take them
   * (`restoreCooldown`). Returns how many were restored; a failing store restores none rather than failing requests.
   */
  async restore(): Promise<number> {
    const state = this.#state;
    if (!state) return 0;
    let restored = 0;
    const now = this.#clock.now();
    for (const account of this.#accounts) {
      const record = await state.get<CooldownRecord>(`cooldown:${account.label}`).catch(() => undefined);
      if (!record || !account.restoreCooldown || typeof record.until !== "number" || record.until <= now) continue;
      account.restoreCooldown(record.status, record.until, record.detail);
      restored++;
    }
    if (restored > 0) this.#pump();
    return restored;
  }

  /** Rejects every waiting request and every later `acquire` with `reason`. Leases already given stay valid. */
  close(reason: UpstreamError): void {
    this.#closed ??= reason;
    for (const waiter of [...this.#waiters]) {
      this.#removeWaiter(waiter);
      waiter.reject(this.#closed);
    }
    this.#scheduleWake();
  }

  health(): PoolHealth {
    const now = this.#clock.now();
    let usable = 0;
    let inFlight = 0;
    const accounts = this.#accounts.map((account) => {
      if (account.availableAt(now)) usable++;
      inFlight += account.inFlight;
      const entry: AccountHealth = {
        account: account.label,
        status: account.status,
        inFlight: account.inFlight,
        maxStreams: this.#options.maxStreamsPerAccount,
      };
      if (account.until !== undefined) entry.until = new Date(account.until).toISOString();
      if (account.detail !== undefined) entry.detail = account.detail;
      return entry;
    });
    const status = usable === this.#accounts.length ? "ok" : usable > 0 ? "degraded" : "down";
    return { status, inFlight, waiting: this.#waiters.length, accounts };
  }

  /** Records every running cooldown, expiring with it; fire and forget, since a store outage must not fail requests. */
  #persist(): void {
    const state = this.#state;
    if (!state) return;
    const now = this.#clock.now();
    for (const account of this.#accounts) {
      if (account.terminal || account.status === "ok" || account.until === undefined || account.until <= now) continue;
      const record: CooldownRecord = { status: account.status, until: account.until, ...(account.detail !== undefined ? { detail: account.detail } : {}) };
      state.set(`cooldown:${account.label}`, record, { ttlMs: account.until - now }).catch(() => {});
    }
  }

  #tryLease(exclude: ReadonlySet<A> | undefined): AccountLease<A> | undefined {
    const now = this.#clock.now();
    let best: A | undefined;
    for (const account of this.#accounts) {
      if (exclude?.has(account) || !account.availableAt(now)) continue;
      if (account.inFlight >= this.#options.maxStreamsPerAccount) continue;
      if (!best || account.lastLeasedAt < best.lastLeasedAt) best = account;
    }
    if (!best) return undefined;
    const account = best;
    account.inFlight++;
    account.lastLeasedAt = now;
    let released = false;
    return {
      account,
      release: () => {
        if (released) return;
        released = true;
        account.inFlight--;
        this.#pump();
      },
    };
  }

  /** Why no slot can ever come for this request, or undefined when waiting may help. */
  #refusal(exclude: ReadonlySet<A> | undefined): UpstreamError | undefined {
    const candidates = this.#accounts.filter((account) => !account.terminal && !exclude?.has(account));
    if (candidates.length > 0) {
      const now = this.#clock.now();
      const soonest = Math.min(...candidates.map((account) => account.readyAt(now) ?? now));
      if (soonest - now <= this.#options.queueTimeoutMs) return undefined;
      const retryAfter = Math.ceil((soonest - now) / 1000);
      return new UpstreamError(
        `Every ${this.#options.service} account is cooling down after throttling (${describe(candidates)}); retry in ${retryAfter} s.`,
        { status: 429, retryable: true, code: "rate_limited", retryAfter },
      );
    }
    if (this.#accounts.some((account) => !account.terminal)) {
      return new UpstreamError(`Every usable ${this.#options.service} account was already tried for this request.`, {
        status: 503,
        retryable: true,
        code: NO_UNTRIED_ACCOUNT,
      });
    }
    return new UpstreamError(
      `No usable ${this.#options.service} account: ${describe(this.#accounts)}. Fix the account configuration (a fresh token, the right password) and restart.`,
      { status: 503, retryable: false, code: "no_usable_account" },
    );
  }

  #busyError(why: string): UpstreamError {
    const total = this.#accounts.length;
    const limit = this.#options.maxStreamsPerAccount;
    return new UpstreamError(
      `All ${total} ${this.#options.service} account${total === 1 ? " is" : "s are"} busy (${limit} stream${limit === 1 ? "" : "s"} per account; ${why}). Retry shortly or add accounts.`,
      { status: 429, retryable: true, code: "accounts_busy", retryAfter: 1 },
    );
  }

  #pump(): void {
    for (const waiter of [...this.#waiters]) {
      const lease = this.#tryLease(waiter.exclude);
      if (lease) {
        this.#removeWaiter(waiter);
        waiter.resolve(lease);
        continue;
      }
      const refusal = this.#refusal(waiter.exclude);
      if (refusal) {
        this.#removeWaiter(waiter);
        waiter.reject(refusal);
      }
    }
    this.#scheduleWake();
  }

  /** Cooldowns end silently; a timer at the earliest one lets waiting requests notice. */
  #scheduleWake(): void {
    const now = this.#clock.now();
    let next = Number.POSITIVE_INFINITY;
    if (this.#waiters.length > 0) {
      for (const account of this.#accounts) {
        const at = account.readyAt(now);
        if (at !== undefined && at > now) next = Math.min(next, at);
      }
    }
    if (next === this.#wakeAt) return;
    if (this.#wakeTimer !== undefined) this.#clock.clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    this.#wakeAt = next;
    if (next === Number.POSITIVE_INFINITY) return;
    this.#wakeTimer = this.#clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Number.POSITIVE_INFINITY;
      this.#pump();
    }, next - now);
  }

  #removeWaiter(waiter: Waiter<A>): void {
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
    waiter.cleanup();
  }
}

function describe(accounts: readonly PoolAccount[]): string {
  return accounts
    .map((account) => {
      const until = account.until !== undefined ? ` until ${new Date(account.until).toISOString()}` : "";
      return `${account.label}: ${account.status.replace("_", " ")}${until}`;
    })
    .join("; ");
}
