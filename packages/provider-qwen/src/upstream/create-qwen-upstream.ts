import { type UpstreamEvent, UpstreamError, type UpstreamModel, type UpstreamRequest } from "@toolshim/core";
import {
  type AccountLease,
  AccountPool,
  type Clock,
  NO_UNTRIED_ACCOUNT,
  type ProviderHealth,
  type ProviderLogger,
  type ProviderState,
  type ProviderUpstream,
  SharedAccountSlots,
  systemClock,
} from "@toolshim/core/provider-utils";
import { QwenAccount } from "../accounts/qwen-account.js";
import { QwenFailure } from "../client/failures.js";
import { type Fetch, QwenClient } from "../client/qwen-client.js";
import { buildPrompt } from "../prompt/build-prompt.js";
import type { Settings } from "../settings.js";
import { ensureToken, failureContext, runAttempt } from "./account-attempt.js";
import { readModelList, resolveModel, withVariants } from "./models.js";

/** How long the upstream's model list is reused. */
const MODELS_TTL_MS = 10 * 60_000;

export interface QwenUpstreamOptions {
  name?: string;
  fetch?: Fetch;
  logger?: ProviderLogger;
  /**
   * The host's state. Shared by several instances (Redis), it holds the accounts' cooldowns and stream slots for all
   * of them, so the per-account limit holds across instances; with a state secret, their tokens too.
   */
  state?: ProviderState;
  /** Tests only: time for cooldowns, queue timeouts and slot renewals. */
  clock?: Clock;
}

/** The Qwen Chat upstream: an account pool, the model list with variants, and one chat cycle per request. */
export function createQwenUpstream(settings: Settings, options: QwenUpstreamOptions = {}): ProviderUpstream & { health(): Promise<ProviderHealth> } {
  const fetch: Fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const clock = options.clock ?? systemClock;
  const client = new QwenClient(settings.baseURL, settings.protocol, fetch);
  const accounts = settings.accounts.map((account, index) => new QwenAccount(account, index, options.state));
  const slotsPerAccount = Math.max(1, settings.maxStreamsPerAccount);
  const pool = new AccountPool(accounts, {
    maxStreamsPerAccount: slotsPerAccount,
    queueTimeoutMs: settings.queueTimeoutMs,
    maxQueueLength: 100,
    clock,
    service: "Qwen Chat",
    state: options.state,
  });
  // Rests recorded by other instances (or before a restart) apply before the first request picks an account.
  const restoring = pool.restore().catch(() => 0);
  const slots = options.state
    ? new SharedAccountSlots(options.state, { slotsPerAccount, ttlMs: settings.leaseTtlMs, waitMs: settings.queueTimeoutMs, clock, service: "Qwen Chat" })
    : undefined;
  let models: { at: number; list: UpstreamModel[] } | undefined;

  async function listModels(): Promise<UpstreamModel[]> {
    if (settings.models) return withVariants(settings.models.map((id) => ({ id, thinking: true, search: true, vision: false })));
    if (models && Date.now() - models.at < MODELS_TTL_MS) return models.list;
    const account = accounts.find((candidate) => !candidate.terminal) ?? accounts[0];
    if (!account) throw new UpstreamError("The Qwen Chat provider has no accounts.", { status: 503, retryable: false, code: "no_usable_account" });
    const token = account.token || account.canSignIn ? await ensureToken(client, account, AbortSignal.timeout(30_000)) : undefined;
    const list = withVariants(readModelList(await client.listModels(token, failureContext(account, "listing models"))));
    models = { at: Date.now(), list };
    return list;
  }

  /** What a failure means for the account: rest after throttling or a captcha, retire after a refused token. */
  function note(account: QwenAccount, failure: QwenFailure): void {
    const now = clock.now();
    if (failure.kind === "waf") account.rest("human_verification_required", now + settings.verificationCooldownMs, "captcha asked; solve it in a browser");
    else if (failure.kind === "rate_limited" || failure.kind === "quota") {
      account.rest(failure.kind, now + (failure.restMs ?? settings.rateLimitCooldownMs), failure.message.slice(0, 160));
    } else if (failure.kind === "auth") account.disable("invalid_token", "token refused; fix the token or password in the config");
    else return;
    options.logger?.warn({ account: account.label, code: failure.code }, "Qwen Chat account set aside");
    pool.changed();
  }

  /** A stream slot on an account: this instance's pool, and with shared state a slot no other instance holds. */
  function acquire(signal: AbortSignal, tried: ReadonlySet<QwenAccount>): Promise<AccountLease<QwenAccount>> {
    if (slots) return slots.acquire((exclude, local) => pool.acquire({ signal: local ?? signal, exclude }), tried, signal);
    return pool.acquire({ signal, exclude: tried });
  }

  async function* stream(request: UpstreamRequest, signal: AbortSignal): AsyncGenerator<UpstreamEvent> {
    if (signal.aborted) return;
    await restoring;
    const model = resolveModel(request.model, request.options.reasoningEffort);
    const prompt = buildPrompt(request.messages);
    const tried = new Set<QwenAccount>();
    let last: UpstreamError | undefined;
    for (;;) {
      const lease = await acquire(signal, tried).catch((error: unknown) => {
        // Every account failed on this request: the last failure says more than "all tried".
        throw error instanceof UpstreamError && (error.code === NO_UNTRIED_ACCOUNT || error.code === "no_usable_account") && last ? last : error;
      });
      let output = false;
      try {
        yield* runAttempt({ client, account: lease.account, model, prompt, deleteChats: settings.deleteChats, signal, onOutput: () => void (output = true) });
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = asUpstreamError(error, lease.account.label);
        if (failure instanceof QwenFailure) note(lease.account, failure);
        // Once text reached the client a retry would show it twice; a refused request would fail anywhere.
        const movable = failure instanceof QwenFailure && ["waf", "rate_limited", "quota", "auth"].includes(failure.kind);
        if (output || !(movable || failure.retryable)) throw failure;
        tried.add(lease.account);
        last = failure;
      } finally {
        lease.release();
      }
    }
  }

  return {
    name: options.name ?? "qwen",
    listModels,
    stream,
    async health() {
      const state = pool.health();
      return { status: state.status, inFlight: state.inFlight, waiting: state.waiting, accounts: state.accounts };
    },
    async close() {
      pool.close(new UpstreamError("The Qwen Chat provider is shutting down.", { status: 503, retryable: true, code: "shutting_down" }));
    },
  };
}

function asUpstreamError(error: unknown, account: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  return new UpstreamError(`The connection to Qwen Chat broke (account "${account}"): ${error instanceof Error ? error.message : String(error)}`, {
    status: 502,
    retryable: true,
    code: "upstream_connection_lost",
    cause: error,
  });
}
