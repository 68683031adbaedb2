import type { UpstreamEvent } from "@toolshim/core";
import type { Account } from "../accounts/account.js";
import type { AccountPool, LoginGrant, Secret } from "@toolshim/core/provider-utils";
import { COMPLETION_PATH, CONTINUE_PATH, type CompletionBody, type ContinueBody, type DeepSeekClient } from "../client/deepseek-client.js";
import { DeepSeekFailure } from "../client/deepseek-failure.js";
import { invalidToken } from "../client/envelope.js";
import type { PowChallenge } from "../pow/index.js";
import type { CompletionStreamParser } from "../stream/completion-stream-parser.js";
import { createCompletionStreamParser } from "../stream/completion-stream-parser.js";
import type { StreamEvent } from "../stream/stream-event.js";
import { estimateTokens } from "./estimate-tokens.js";
import { emptyAnswer } from "./empty-answer.js";
import { BUSY_PAUSE_MS, failureFromHint, throttled } from "./hint-failure.js";
import type { DeepSeekLogger } from "./logger.js";
import type { ModelSpec } from "./models.js";
import type { DeepSeekOptions } from "./options.js";

export interface PowFunctions {
  solve(challenge: PowChallenge, signal?: AbortSignal): Promise<number>;
  encode(challenge: PowChallenge, answer: number): string;
}

export interface AttemptContext {
  client: DeepSeekClient;
  pool: AccountPool<Account>;
  options: DeepSeekOptions;
  logger: DeepSeekLogger;
  pow: PowFunctions;
  now(): number;
  /** Aborted when the upstream closes; ends work shared between requests (a login). */
  closing: AbortSignal;
}

/** A mute without a stated end is treated as lasting this long before the account is tried again. */
const MUTE_WITHOUT_END_MS = 60 * 60 * 1000;

/** Bound on reading the tail of a finished answer (update_session, title, close) before the account is released. */
const DRAIN_TIMEOUT_MS = 5_000;

interface RoundResult {
  status?: string;
  responseMessageId?: number;
  retryClose: boolean;
}

/**
 * One request served by one leased account: token (logging in when needed), a fresh chat session, PoW, the
 * completion stream and its continue rounds. Failures are thrown as DeepSeekFailure; `streamed` tells the caller
 * whether anything reached the client (only then is another account out of the question). `cleanup` deletes the
 * session whatever happened, with its own timeout, since the request's signal may already be aborted; `shutDown`
 * does the same for the upstream's close, within a deadline.
 */
export class AccountAttempt {
  streamed = false;
  readonly #context: AttemptContext;
  readonly #account: Account;
  readonly #model: ModelSpec;
  readonly #prompt: string;
  readonly #signal: AbortSignal;
  readonly #log: Record<string, unknown>;
  #sessionId: string | undefined;
  #sessionToken: Secret | undefined;
  /** One re-login per request, across its authed calls. */
  readonly #relogin = { used: false };
  #outputTokens: number | undefined;
  /** Whether the answer had any text (reasoning alone is an empty answer). */
  #answered = false;
  /** The answer being streamed right now, so an early exit can ask the server to stop generating it. */
  #generating: number | undefined;
  /** A finished answer's stream, still open for its tail frames. */
  #tail: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /**
   * Aborts the answer streams' HTTP requests. It follows the request's signal until an answer has finished: the
   * engine aborts that signal as soon as it has the end, and the tail must still be read.
   */
  readonly #transport = new AbortController();
  readonly #unlink: () => void;
  /** Cleanup runs, chained: a later call picks up a session that appeared after an earlier one. */
  #cleaning: Promise<void> | undefined;
  /** Aborts stop_stream and delete calls once the upstream's close stops waiting for them. */
  readonly #cleanupBound = new AbortController();

  constructor(context: AttemptContext, account: Account, model: ModelSpec, prompt: string, signal: AbortSignal, requestId?: string) {
    this.#context = context;
    this.#account = account;
    this.#model = model;
    this.#prompt = prompt;
    this.#signal = signal;
    this.#log = { account: account.label, model: model.id, ...(requestId ? { requestId } : {}) };
    const forward = () => {
      if (!this.#tail) this.#transport.abort(signal.reason);
    };
    if (signal.aborted) forward();
    else signal.addEventListener("abort", forward, { once: true });
    this.#unlink = () => signal.removeEventListener("abort", forward);
  }

  async *stream(): AsyncGenerator<UpstreamEvent> {
    const { client, options } = this.#context;
    this.#sessionId = await this.#authed(async (token) => {
      const id = await client.createSession(token, this.#signal);
      this.#sessionToken = token;
      return id;
    });
    const sessionId = this.#sessionId;
    this.#context.logger.debug({ ...this.#log, sessionId }, "deepseek session created");
    const parser = createCompletionStreamParser();
    let path: typeof COMPLETION_PATH | typeof CONTINUE_PATH = COMPLETION_PATH;
    let body: CompletionBody | ContinueBody = {
      chat_session_id: sessionId,
      parent_message_id: null,
      model_type: this.#model.modelType,
      prompt: this.#prompt,
      ref_file_ids: [],
      thinking_enabled: this.#model.thinking,
      search_enabled: this.#model.search,
    };
    let endReason: "stop" | "length" | "content-filter" = "stop";
    for (let round = 0; ; round++) {
      const stream = await this.#open(path, body);
      const result: RoundResult = yield* this.#consume(stream, parser);
      if (result.status === "FINISHED") break;
      if (result.status === "CONTENT_FILTER") {
        endReason = "content-filter";
        break;
      }
      if (result.status === "INCOMPLETE" || result.status === "AUTO_CONTINUE") {
        if (round >= options.maxContinueRounds || result.responseMessageId === undefined) {
          endReason = "length";
          break;
        }
        this.#context.logger.debug({ ...this.#log, round: round + 1 }, "deepseek answer incomplete, continuing");
        parser.nextResponse();
        path = CONTINUE_PATH;
        body = { chat_session_id: sessionId, message_id: result.responseMessageId, fallback_to_resume: true };
        continue;
      }
      if (result.retryClose && !this.streamed) throw throttled("the stream closed asking to retry", options.rateLimitCooldownMs);
      throw new DeepSeekFailure(
        "stream_truncated",
        `The DeepSeek stream ended without a final status${result.status ? ` (last status ${result.status})` : ""}; the answer is incomplete.`,
      );
    }
    if (endReason === "stop" && !this.#answered) throw emptyAnswer({ reasoning: this.streamed, retryAfterMs: options.rateLimitCooldownMs });
    const usage: UpstreamEvent = { type: "usage", inputTokens: estimateTokens(this.#prompt) };
    if (this.#outputTokens !== undefined) usage.outputTokens = this.#outputTokens;
    yield usage;
    yield { type: "end", reason: endReason };
  }

  /** Records what a failure says about the account, so the pool stops offering it for as long as it should. */
  noteFailure(failure: DeepSeekFailure): void {
    const account = this.#account;
    const detail = failure.upstreamMessage;
    switch (failure.kind) {
      case "rate_limited":
        account.coolDown("rate_limited", this.#context.now() + this.#context.options.rateLimitCooldownMs, detail);
        break;
      case "busy":
        account.rest(this.#context.now() + BUSY_PAUSE_MS);
        this.#context.pool.changed();
        return;
      case "muted":
        account.coolDown("muted", failure.muteUntil ?? this.#context.now() + MUTE_WITHOUT_END_MS, detail);
        break;
      case "banned":
        account.disable("banned", detail);
        break;
      case "wrong_password":
        account.disable("wrong_password", detail);
        break;
      case "login_rejected":
        account.disable("login_failed", detail);
        break;
      case "invalid_token":
        account.disable("invalid_token", detail);
        break;
      default:
        return;
    }
    this.#context.logger.warn({ ...this.#log, status: account.status, detail }, `deepseek account is now ${account.status}`);
    this.#context.pool.changed();
  }

  /**
   * Stops an answer that was left mid-stream (client gone, failure) so it no longer occupies one of the account's
   * streams on the server, then deletes the session. Both are best effort and bounded by their own timeout.
   */
  cleanup(): Promise<void> {
    this.#cleaning = (this.#cleaning ?? Promise.resolve()).then(() => this.#cleanUp());
    return this.#cleaning;
  }

  /**
   * The upstream is closing: stops reading a finished answer's tail at once, cleans up as `cleanup` does — also when
   * the request's consumer stopped pulling and would never reach its own cleanup — and gives up on the server's
   * answers when `deadline` aborts.
   */
  shutDown(deadline: AbortSignal): Promise<void> {
    const giveUp = () => this.#cleanupBound.abort(new Error("the provider stopped waiting while closing"));
    if (deadline.aborted) giveUp();
    else deadline.addEventListener("abort", giveUp, { once: true });
    this.#tail?.cancel().catch(() => {});
    return this.cleanup();
  }

  async #cleanUp(): Promise<void> {
    const sessionId = this.#sessionId;
    const token = this.#sessionToken;
    const generating = this.#generating;
    this.#sessionId = undefined;
    this.#generating = undefined;
    await this.#drainTail();
    this.#unlink();
    this.#transport.abort();
    if (!sessionId || !token) return;
    const { client, logger, options } = this.#context;
    if (generating !== undefined) {
      try {
        await client.stopStream(token, sessionId, generating, this.#cleanupBound.signal);
      } catch (error) {
        logger.debug({ ...this.#log, sessionId, err: describeError(error) }, "deepseek answer could not be stopped");
      }
    }
    if (!options.deleteSessions) return;
    try {
      await client.deleteSession(token, sessionId, this.#cleanupBound.signal);
    } catch (error) {
      logger.warn({ ...this.#log, sessionId, err: describeError(error) }, "deepseek session could not be deleted");
    }
  }

  /** `#tail` stays set while it is read, so `shutDown` can cancel it. */
  async #drainTail(): Promise<void> {
    const reader = this.#tail;
    if (!reader) return;
    const timer = setTimeout(() => reader.cancel().catch(() => {}), DRAIN_TIMEOUT_MS);
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        // The tail carries nothing the answer needs.
      }
    } catch {
      // A tail that breaks off changes nothing for an answer that already finished.
    } finally {
      clearTimeout(timer);
      this.#tail = undefined;
    }
  }

  async #open(path: typeof COMPLETION_PATH | typeof CONTINUE_PATH, body: CompletionBody | ContinueBody) {
    const { client, pow } = this.#context;
    for (let powAttempt = 0; ; powAttempt++) {
      try {
        return await this.#authed(async (token) => {
          const challenge = await client.createPowChallenge(token, path, this.#signal);
          const answer = await pow.solve(challenge, this.#signal);
          return client.openStream(path, token, pow.encode(challenge, answer), body, this.#transport.signal);
        });
      } catch (error) {
        if (!(error instanceof DeepSeekFailure) || error.kind !== "pow_rejected" || powAttempt > 0) throw error;
        this.#context.logger.warn({ ...this.#log, detail: error.upstreamMessage }, "deepseek rejected the proof of work; trying a fresh challenge");
      }
    }
  }

  async *#consume(body: ReadableStream<Uint8Array>, parser: CompletionStreamParser): AsyncGenerator<UpstreamEvent, RoundResult> {
    const reader = body.getReader();
    const onAbort = () => {
      reader.cancel(this.#signal.reason).catch(() => {});
    };
    this.#signal.addEventListener("abort", onAbort, { once: true });
    const result: RoundResult = { retryClose: false };
    let drained = false;
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (error) {
          this.#signal.throwIfAborted();
          throw new DeepSeekFailure("stream_truncated", "The connection to DeepSeek broke off in the middle of the answer.", { cause: error });
        }
        this.#signal.throwIfAborted();
        drained = chunk.done;
        const events: StreamEvent[] = chunk.done ? parser.end() : parser.push(chunk.value);
        for (const event of events) {
          const out = this.#handle(event, result);
          if (out) {
            this.#signal.throwIfAborted();
            this.streamed = true;
            yield out;
          }
        }
        if (chunk.done) {
          this.#generating = undefined;
          break;
        }
        // FINISHED / CONTENT_FILTER are final: the client gets its end now, while cleanup reads the tail (title,
        // close), because the server may count the stream against the account until it has closed it.
        if (result.status === "FINISHED" || result.status === "CONTENT_FILTER") {
          this.#generating = undefined;
          this.#tail = reader;
          break;
        }
      }
    } finally {
      this.#signal.removeEventListener("abort", onAbort);
      if (!drained && this.#tail !== reader) reader.cancel().catch(() => {});
    }
    return result;
  }

  #handle(event: StreamEvent, result: RoundResult): UpstreamEvent | undefined {
    switch (event.type) {
      case "text":
        this.#answered = true;
        return { type: "text", text: event.text };
      case "reasoning":
        return { type: "reasoning", text: event.text };
      case "usage":
        this.#outputTokens = event.outputTokens;
        return undefined;
      case "status":
        result.status = event.status;
        return undefined;
      case "ready":
        if (event.responseMessageId !== undefined) {
          result.responseMessageId = event.responseMessageId;
          this.#generating = event.responseMessageId;
        }
        return undefined;
      case "hint":
        if (event.level === "error") {
          // The server ended this answer itself; there is nothing left to stop.
          this.#generating = undefined;
          throw failureFromHint(event, this.#context.options.rateLimitCooldownMs);
        }
        return undefined;
      case "close":
        result.retryClose = event.clickBehavior === "retry";
        return undefined;
      case "malformed":
        this.#context.logger.debug({ ...this.#log, preview: event.preview }, "deepseek sent a line that is not JSON");
        return undefined;
      default:
        return undefined;
    }
  }

  /** Runs `call` with the account's token; a rejected token means one fresh login and one more try. */
  #authed<T>(call: (token: Secret) => Promise<T>): Promise<T> {
    const account = this.#account;
    if (!account.token && !account.canLogin) return Promise.reject(invalidToken("no token and no password configured"));
    return account.session.withToken(call, {
      ...(account.canLogin ? { login: () => this.#login() } : {}),
      signal: this.#signal,
      budget: this.#relogin,
      isAuthFailure: (error) => error instanceof DeepSeekFailure && error.kind === "invalid_token",
      onRelogin: () => this.#context.logger.info({ ...this.#log }, "deepseek token rejected; logging in again"),
    });
  }

  /** Shared by every request waiting on this account's token, so it is bound by its own timeout, not theirs. */
  async #login(): Promise<LoginGrant> {
    const result = await this.#context.client.login(this.#account, this.#context.closing);
    this.#context.logger.info({ ...this.#log }, "deepseek login succeeded");
    if (result.muteUntil !== undefined && result.muteUntil > this.#context.now()) {
      const error = new DeepSeekFailure("muted", `DeepSeek muted this account until ${new Date(result.muteUntil).toISOString()}.`, {
        muteUntil: result.muteUntil,
      });
      return { token: result.token, error };
    }
    return { token: result.token };
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
