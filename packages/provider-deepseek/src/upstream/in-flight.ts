import type { UpstreamError } from "@toolshim/core";
import type { AccountLease, Clock } from "@toolshim/core/provider-utils";
import type { Account } from "../accounts/account.js";
import type { AccountAttempt } from "./account-attempt.js";

/**
 * The attempts an upstream is running and the leases they hold, so that closing the upstream can end them: a
 * request whose consumer stopped pulling never reaches its own cleanup, and its session and account slot would
 * otherwise outlive the upstream.
 */
export class InFlight {
  readonly #controller = new AbortController();
  readonly #running = new Map<AccountAttempt, AccountLease<Account>>();

  /** Aborted, with the close reason, when `end` is called; every request's signal follows it. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  add(attempt: AccountAttempt, lease: AccountLease<Account>): void {
    this.#running.set(attempt, lease);
  }

  delete(attempt: AccountAttempt): void {
    this.#running.delete(attempt);
  }

  /**
   * Aborts every request with `reason`, stops their answers and deletes their sessions, then releases their leases.
   * Whatever DeepSeek has not answered within `timeoutMs` is given up on.
   */
  async end(reason: UpstreamError, timeoutMs: number, clock: Clock): Promise<void> {
    this.#controller.abort(reason);
    const deadline = new AbortController();
    const timer = clock.setTimeout(() => deadline.abort(), timeoutMs);
    try {
      await Promise.all(
        [...this.#running].map(async ([attempt, lease]) => {
          try {
            await attempt.shutDown(deadline.signal);
          } finally {
            lease.release();
          }
        }),
      );
    } finally {
      clock.clearTimeout(timer);
    }
  }
}
