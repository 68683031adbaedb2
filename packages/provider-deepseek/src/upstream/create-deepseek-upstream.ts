import { type Upstream, UpstreamError, type UpstreamEvent, type UpstreamRequest } from "@toolshim/core";
import { Account } from "../accounts/account.js";
import { type AccountLease, AccountPool, type Clock, NO_UNTRIED_ACCOUNT, type PoolHealth, type ProviderState, SharedAccountSlots, systemClock } from "@toolshim/core/provider-utils";
import { DeepSeekClient } from "../client/deepseek-client.js";
import { DeepSeekFailure, type FailureKind } from "../client/deepseek-failure.js";
import { encodePowResponse, PowSolver, solvePowChallenge } from "../pow/index.js";
import { buildPrompt } from "../prompt/build-prompt.js";
import { AccountAttempt, type AttemptContext, type PowFunctions } from "./account-attempt.js";
import { emptyAnswer } from "./empty-answer.js";
import { InFlight } from "./in-flight.js";
import { type DeepSeekLogger, silentLogger } from "./logger.js";
import { describeModels, resolveModel } from "./models.js";
import { DEFAULT_BASE_URL, type DeepSeekOptionsInput, deepSeekOptionsSchema } from "./options.js";

export interface DeepSeekDeps {
  fetch?: typeof fetch;
  logger?: DeepSeekLogger;
  /** Tests only: time for cooldowns and queue timeouts. */
  clock?: Clock;
  /**
   * The proof-of-work solver (its kernel, its worker thread). Default: one of the upstream's own. `close()` closes it
   * either way, so share one between upstreams only if they close together.
   */
  powSolver?: PowSolver;
  /** Tests only: other proof-of-work functions instead of a solver. */
  pow?: PowFunctions;
  /**
   * Shared state (the server's; Redis when several instances run): account stream slots are claimed there too, so
   * the per-account limit holds across instances. Absent: this process's pool alone.
   */
  state?: ProviderState;
}

export type DeepSeekHealth = PoolHealth;

export interface DeepSeekUpstream extends Upstream {
  /** Account states and stream slots, for logs and /health; never credentials. */
  health(): Promise<DeepSeekHealth>;
  /**
   * Ends every request in flight (their answers are stopped, their sessions deleted, within `CLOSE_TIMEOUT_MS`),
   * refuses waiting and later ones with a 503 `provider_closed`, and stops the proof-of-work worker. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Failures worth another account when nothing reached the client yet. A version or firewall rejection, a refused PoW
 * or a too-long input would fail the same way anywhere.
 */
const ROTATE_ON: ReadonlySet<FailureKind> = new Set<FailureKind>([
  "busy",
  "invalid_token",
  "rate_limited",
  "muted",
  "banned",
  "wrong_password",
  "login_rejected",
  "invalid_session",
  "stream_truncated",
  "empty_output",
  "upstream",
]);

/** Concurrency refusals one request sits out before it gives up with 429 account_busy. */
const MAX_BUSY_RETRIES = 3;

/** How long `close()` waits for DeepSeek to stop the answers in flight and delete their sessions. */
export const CLOSE_TIMEOUT_MS = 5_000;

/** The DeepSeek web chat as a toolshim upstream. Options are validated with `deepSeekOptionsSchema`. */
export function createDeepSeekUpstream(input: DeepSeekOptionsInput, deps: DeepSeekDeps = {}): DeepSeekUpstream {
  const options = deepSeekOptionsSchema.parse(input);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  if (options.baseUrl !== undefined) logger.warn({ setting: "baseUrl" }, "the DeepSeek setting baseUrl is deprecated: write baseURL (same value)");
  const accounts = options.accounts.map((config, index) => new Account(config, index, deps.state));
  const pool = new AccountPool(accounts, {
    maxStreamsPerAccount: options.maxStreamsPerAccount,
    queueTimeoutMs: options.queueTimeoutMs,
    maxQueueLength: options.maxQueueLength,
    clock,
    service: "DeepSeek",
    state: deps.state,
  });
  // Cooldowns recorded by other instances (or before a restart) apply before the first request picks an account.
  const restoring = pool.restore().catch(() => 0);
  const slots = deps.state
    ? new SharedAccountSlots(deps.state, { slotsPerAccount: options.maxStreamsPerAccount, ttlMs: options.leaseTtlMs, waitMs: options.queueTimeoutMs, clock, service: "DeepSeek" })
    : undefined;
  const inFlight = new InFlight();
  const solver = deps.pow ? undefined : (deps.powSolver ?? new PowSolver());
  const context: AttemptContext = {
    client: new DeepSeekClient({
      baseURL: options.baseURL ?? options.baseUrl ?? DEFAULT_BASE_URL,
      headers: options.headers,
      fetch: deps.fetch ?? globalThis.fetch,
      requestTimeoutMs: options.requestTimeoutMs,
    }),
    pool,
    options,
    logger,
    pow: deps.pow ?? { solve: (challenge, signal) => solvePowChallenge(challenge, signal, solver), encode: encodePowResponse },
    now: () => clock.now(),
    closing: inFlight.signal,
  };

  let closing: Promise<void> | undefined;
  const close = async () => {
    const reason = new UpstreamError("The DeepSeek provider has been closed (the server is shutting down); send the request again once it is back.", {
      status: 503,
      retryable: true,
      code: "provider_closed",
    });
    // The pool first: slots freed below must not go to waiting requests.
    pool.close(reason);
    await inFlight.end(reason, CLOSE_TIMEOUT_MS, clock);
    await solver?.close();
    logger.info({}, "deepseek provider closed");
  };

  return {
    name: "deepseek",
    listModels: async () => describeModels(),
    toolMode: () => "emulate",
    stream: (request, signal) => streamCompletion(context, inFlight, request, signal, slots, restoring),
    health: async () => pool.health(),
    close: () => (closing ??= close()),
  };
}

async function* streamCompletion(
  context: AttemptContext,
  inFlight: InFlight,
  request: UpstreamRequest,
  callerSignal: AbortSignal,
  slots: SharedAccountSlots | undefined,
  restoring: Promise<number>,
): AsyncGenerator<UpstreamEvent> {
  inFlight.signal.throwIfAborted();
  await restoring;
  const signal = AbortSignal.any([callerSignal, inFlight.signal]);
  const model = resolveModel(request.model);
  const prompt = buildPrompt(request.messages);
  const tried = new Set<Account>();
  const maxAttempts = Math.min(context.options.maxAccountAttempts, context.pool.accounts.length);
  let previous: DeepSeekFailure | undefined;
  let attempt = 0;
  let busyRetries = 0;
  let emptyAnswers = 0;
  for (;;) {
    const lease = await acquire(context.pool, signal, tried, previous, slots);
    const run = new AccountAttempt(context, lease.account, model, prompt, signal, request.requestId);
    inFlight.add(run, lease);
    try {
      yield* run.stream();
      return;
    } catch (caught) {
      if (!(caught instanceof DeepSeekFailure) || signal.aborted) throw caught;
      let error = caught;
      // Counted so that the 429 a request ends with says how many accounts answered empty.
      if (error.kind === "empty_output" && !run.streamed) {
        error = emptyAnswer({ reasoning: false, accounts: ++emptyAnswers, retryAfterMs: context.options.rateLimitCooldownMs });
      }
      run.noteFailure(error);
      if (run.streamed || !ROTATE_ON.has(error.kind)) throw error;
      // A concurrency refusal passes in a moment: the account rests briefly and stays eligible, within its own budget.
      if (error.kind === "busy") {
        if (++busyRetries > MAX_BUSY_RETRIES) throw error;
      } else {
        if (++attempt >= maxAttempts) throw error;
        tried.add(lease.account);
      }
      previous = error;
      context.logger.warn(
        { account: lease.account.label, code: error.code, detail: error.upstreamMessage, attempt, busyRetries, requestId: request.requestId },
        "deepseek attempt failed before any output; trying again",
      );
    } finally {
      await run.cleanup();
      inFlight.delete(run);
      lease.release();
    }
  }
}

/** A lease, or — when every account this request may use was tried — the failure that made it try them. */
async function acquire(
  pool: AccountPool<Account>,
  signal: AbortSignal,
  tried: ReadonlySet<Account>,
  previous: DeepSeekFailure | undefined,
  slots: SharedAccountSlots | undefined,
): Promise<AccountLease<Account>> {
  try {
    if (slots) return await slots.acquire((exclude, local) => pool.acquire({ signal: local ?? signal, exclude }), tried, signal);
    return await pool.acquire({ signal, exclude: tried });
  } catch (error) {
    if (previous && error instanceof Error && (error as { code?: unknown }).code === NO_UNTRIED_ACCOUNT) throw previous;
    throw error;
  }
}
