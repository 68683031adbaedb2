import { UpstreamError } from "../upstream.js";
import type { AccountLease, PoolAccount } from "./account-pool.js";
import { type Clock, systemClock } from "./clock.js";
import type { ProviderState } from "./provider-state.js";

export interface SharedAccountSlotsOptions {
  /** Streams one account serves across every instance sharing `state`. */
  slotsPerAccount: number;
  /** A slot whose instance stops renewing it (killed, cut off) frees itself after this long. */
  ttlMs: number;
  /** How long a request waits for a slot another instance holds before it is answered 429. */
  waitMs: number;
  /** How often a waiting request looks again (other instances' releases are not announced). Default 100 ms. */
  pollMs?: number;
  clock?: Clock;
  /** The service's name in error messages ("DeepSeek"). */
  service: string;
}

/** How one account's local lease is had: the provider's own pool, excluding accounts known to be full elsewhere. */
export type LocalAcquire<A extends PoolAccount> = (exclude: ReadonlySet<A>, signal: AbortSignal | undefined) => Promise<AccountLease<A>>;

/**
 * Per-account stream slots shared by every gateway instance on one `ProviderState` (Redis), on top of each instance's
 * own `AccountPool`. A slot is a claimed key (`slot:<account>:<n>`) renewed every third of its TTL while the stream
 * runs, so an instance that dies (kill -9) frees its slots within the TTL. With a memory state (one instance) the
 * slots mirror the pool's own limit and cost a map lookup.
 */
export class SharedAccountSlots {
  readonly #state: ProviderState;
  readonly #options: SharedAccountSlotsOptions;
  readonly #clock: Clock;

  constructor(state: ProviderState, options: SharedAccountSlotsOptions) {
    this.#state = state;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * A local lease whose account also holds a shared slot. Accounts whose slots are all taken elsewhere are skipped;
   * when every account is, the request polls until `waitMs`, then gets 429 `accounts_busy`. Errors of the shared
   * store (503) and of the local pool pass through; nothing stays held after a failure.
   */
  async acquire<A extends PoolAccount>(local: LocalAcquire<A>, exclude: ReadonlySet<A>, signal?: AbortSignal): Promise<AccountLease<A>> {
    const deadline = this.#clock.now() + this.#options.waitMs;
    let full = new Set<A>();
    for (;;) {
      // With accounts full elsewhere, the local pool may wait for the others (their cooldown, its own queue) while a
      // full one frees sooner on another instance: bound that wait to one poll, then look again.
      const poll = full.size > 0 ? new AbortController() : undefined;
      const timer = poll ? this.#clock.setTimeout(() => poll.abort(), this.#options.pollMs ?? 100) : undefined;
      const localSignal = poll ? (signal ? AbortSignal.any([signal, poll.signal]) : poll.signal) : signal;
      let lease: AccountLease<A>;
      try {
        lease = await local(new Set([...exclude, ...full]), localSignal);
      } catch (error) {
        // Refused or bounded only because the accounts left are full elsewhere: wait for another instance to free one.
        if (full.size === 0 || signal?.aborted) throw error;
        if (this.#clock.now() >= deadline) throw this.#busy();
        if (!poll?.signal.aborted) await this.#sleep(signal);
        full = new Set();
        continue;
      } finally {
        if (timer !== undefined) this.#clock.clearTimeout(timer);
      }
      const outcome = await this.#take(lease.account).catch((error: unknown) => {
        lease.release();
        throw error;
      });
      if (typeof outcome === "function") return { account: lease.account, release: once(() => (outcome(), lease.release())) };
      lease.release();
      // A cooldown another instance recorded is now this account's too: the pool stops offering it (and answers 429
      // rate_limited with its end when every account cools down) instead of this instance throttling it again.
      if (outcome !== "cooling" || lease.account.availableAt(this.#clock.now())) full.add(lease.account);
    }
  }

  /** A slot's release function; "cooling" when a running cooldown is recorded for the account; "full" otherwise. */
  async #take(account: PoolAccount): Promise<(() => void) | "cooling" | "full"> {
    // The pool records cooldowns under this key (AccountPool's state); reading it here shares them at run time.
    const cooldown = await this.#state.get<{ status?: unknown; until?: unknown; detail?: unknown }>(`cooldown:${account.label}`);
    if (cooldown && typeof cooldown.until === "number" && cooldown.until > this.#clock.now() && typeof cooldown.status === "string") {
      account.restoreCooldown?.(cooldown.status, cooldown.until, typeof cooldown.detail === "string" ? cooldown.detail : undefined);
      return "cooling";
    }
    const release = await claimSlot(this.#state, `slot:${account.label}`, this.#options.slotsPerAccount, this.#options.ttlMs, this.#clock);
    return release ?? "full";
  }

  #sleep(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#clock.clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = this.#clock.setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, this.#options.pollMs ?? 100);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #busy(): UpstreamError {
    const { service, slotsPerAccount, waitMs } = this.#options;
    return new UpstreamError(
      `Every ${service} account is busy across the gateway's instances (${slotsPerAccount} stream${slotsPerAccount === 1 ? "" : "s"} per account; waited ${Math.round(waitMs / 1000)} s). Retry shortly or add accounts.`,
      { status: 429, retryable: true, code: "accounts_busy", retryAfter: 1 },
    );
  }
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}

/**
 * Claims the first free of `count` slots `<base>:0 … <base>:<count-1>` in `state` for `ttlMs`, renewed every third of
 * it until the returned function releases it; undefined when every slot is held. A holder that dies stops renewing,
 * so its slot frees itself after `ttlMs`. Shared by account slots and the server's per-key concurrency limits.
 */
export async function claimSlot(state: ProviderState, base: string, count: number, ttlMs: number, clock: Clock = systemClock): Promise<(() => void) | undefined> {
  const owner = globalThis.crypto.randomUUID();
  for (let slot = 0; slot < count; slot++) {
    const key = `${base}:${slot}`;
    if (!(await state.claim(key, owner, ttlMs))) continue;
    let timer: unknown;
    // A failed renewal is retried at the next tick; if the store stays away the slot lapses, as for a dead holder.
    const schedule = () => {
      timer = clock.setTimeout(() => {
        state.claim(key, owner, ttlMs).catch(() => undefined);
        schedule();
      }, Math.max(1, Math.floor(ttlMs / 3)));
    };
    schedule();
    return () => {
      clock.clearTimeout(timer);
      state.unclaim(key, owner).catch(() => undefined);
    };
  }
  return undefined;
}
