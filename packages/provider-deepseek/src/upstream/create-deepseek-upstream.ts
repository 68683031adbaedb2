import type { Upstream, UpstreamEvent, UpstreamRequest } from "@toolshim/core";
import { Account } from "../accounts/account.js";
import { type AccountLease, AccountPool, NO_UNTRIED_ACCOUNT, type PoolHealth } from "../accounts/account-pool.js";
import { type Clock, systemClock } from "../accounts/clock.js";
import { DeepSeekClient } from "../client/deepseek-client.js";
import { DeepSeekFailure, type FailureKind } from "../client/deepseek-failure.js";
import { encodePowResponse, solvePowChallenge } from "../pow/index.js";
import { buildPrompt } from "../prompt/build-prompt.js";
import { AccountAttempt, type AttemptContext, type PowFunctions } from "./account-attempt.js";
import { type DeepSeekLogger, silentLogger } from "./logger.js";
import { describeModels, resolveModel } from "./models.js";
import { type DeepSeekOptionsInput, deepSeekOptionsSchema } from "./options.js";

export interface DeepSeekDeps {
  fetch?: typeof fetch;
  logger?: DeepSeekLogger;
  /** Tests only: time for cooldowns and queue timeouts. */
  clock?: Clock;
  /** Tests only: another proof-of-work solver. */
  pow?: PowFunctions;
}

export type DeepSeekHealth = PoolHealth;

export interface DeepSeekUpstream extends Upstream {
  /** Account states and stream slots, for logs and /health; never credentials. */
  health(): Promise<DeepSeekHealth>;
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
  "upstream",
]);

/** Concurrency refusals one request sits out before it gives up with 429 account_busy. */
const MAX_BUSY_RETRIES = 3;

/** The DeepSeek web chat as a toolshim upstream. Options are validated with `deepSeekOptionsSchema`. */
export function createDeepSeekUpstream(input: DeepSeekOptionsInput, deps: DeepSeekDeps = {}): DeepSeekUpstream {
  const options = deepSeekOptionsSchema.parse(input);
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const accounts = options.accounts.map((config, index) => new Account(config, index));
  const pool = new AccountPool(accounts, {
    maxStreamsPerAccount: options.maxStreamsPerAccount,
    queueTimeoutMs: options.queueTimeoutMs,
    maxQueueLength: options.maxQueueLength,
    clock,
  });
  const context: AttemptContext = {
    client: new DeepSeekClient({
      baseUrl: options.baseUrl,
      headers: options.headers,
      fetch: deps.fetch ?? globalThis.fetch,
      requestTimeoutMs: options.requestTimeoutMs,
    }),
    pool,
    options,
    logger,
    pow: deps.pow ?? { solve: (challenge, signal) => solvePowChallenge(challenge, signal), encode: encodePowResponse },
    now: () => clock.now(),
  };

  return {
    name: "deepseek",
    listModels: async () => describeModels(),
    toolMode: () => "emulate",
    stream: (request, signal) => streamCompletion(context, request, signal),
    health: async () => pool.health(),
  };
}

async function* streamCompletion(context: AttemptContext, request: UpstreamRequest, signal: AbortSignal): AsyncGenerator<UpstreamEvent> {
  const model = resolveModel(request.model);
  const prompt = buildPrompt(request.messages);
  const tried = new Set<Account>();
  const maxAttempts = Math.min(context.options.maxAccountAttempts, context.pool.accounts.length);
  let previous: DeepSeekFailure | undefined;
  let attempt = 0;
  let busyRetries = 0;
  for (;;) {
    const lease = await acquire(context.pool, signal, tried, previous);
    const run = new AccountAttempt(context, lease.account, model, prompt, signal, request.requestId);
    try {
      yield* run.stream();
      return;
    } catch (error) {
      if (!(error instanceof DeepSeekFailure) || signal.aborted) throw error;
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
      lease.release();
    }
  }
}

/** A lease, or — when every account this request may use was tried — the failure that made it try them. */
async function acquire(pool: AccountPool, signal: AbortSignal, tried: ReadonlySet<Account>, previous: DeepSeekFailure | undefined): Promise<AccountLease> {
  try {
    return await pool.acquire({ signal, exclude: tried });
  } catch (error) {
    if (previous && error instanceof Error && (error as { code?: unknown }).code === NO_UNTRIED_ACCOUNT) throw previous;
    throw error;
  }
}
