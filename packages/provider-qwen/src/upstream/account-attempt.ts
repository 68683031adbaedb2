import type { UpstreamEvent } from "@toolshim/core";
import { type LoginGrant, redactSecrets, retryAfterSeconds, Secret } from "@toolshim/core/provider-utils";
import { type QwenAccount, withExpiry } from "../accounts/qwen-account.js";
import { failureOf, type QwenClient } from "../client/qwen-client.js";
import { changedShape, type FailureContext, httpFailure, QwenFailure } from "../client/failures.js";
import { QwenStreamParser } from "../stream/qwen-stream-parser.js";
import type { ResolvedModel } from "./models.js";

/** Clean-up calls (stop, delete) get their own short deadline: the client may already have left. */
const CLEANUP_MS = 5_000;

export interface AttemptOptions {
  client: QwenClient;
  account: QwenAccount;
  model: ResolvedModel;
  prompt: string;
  deleteChats: boolean;
  signal: AbortSignal;
  /** Told when text or reasoning reached the client: from then on nothing may be retried. */
  onOutput(): void;
}

export function failureContext(account: QwenAccount, step: string): FailureContext {
  return { account: account.label, step, redact: (text) => redactSecrets(text, account.secrets()) };
}

/** Signing in has its own deadline: requests share it, and one leaving must not end it for the others. */
const SIGN_IN_MS = 30_000;

/** How this account signs in, or undefined when it has only a configured token. */
function signIn(client: QwenClient, account: QwenAccount): (() => Promise<LoginGrant>) | undefined {
  const { email, password } = account;
  if (email === undefined || password === undefined) return undefined;
  return async () => withExpiry(new Secret(await client.signIn(email, password.reveal(), failureContext(account, "signing in"), AbortSignal.timeout(SIGN_IN_MS))));
}

/** A usable token: the account's, or a fresh sign-in when it has none or it is about to expire. */
export async function ensureToken(client: QwenClient, account: QwenAccount, signal: AbortSignal): Promise<string> {
  return (await sessionToken(account, signal, signIn(client, account))).reveal();
}

function sessionToken(account: QwenAccount, signal: AbortSignal, login: (() => Promise<LoginGrant>) | undefined): Promise<Secret> {
  if (!account.token && !login) return Promise.reject(tokenRefused(account));
  return account.session.token({ signal, ...(login ? { login } : {}) });
}

function isAuthFailure(error: unknown): boolean {
  return error instanceof QwenFailure && error.kind === "auth";
}

function tokenRefused(account: QwenAccount, afterSignIn = false): QwenFailure {
  const fix = afterSignIn
    ? "toolshim signed in again and the new token was refused too; check the account in a browser"
    : account.canSignIn
      ? "check the email and password"
      : "paste a fresh token (the `token` cookie of chat.qwen.ai) into the config, or add the account's email and password";
  return new QwenFailure(`Qwen Chat refused the token of account "${account.label}": ${fix}.`, { status: 502, retryable: false, code: "upstream_auth_failed", kind: "auth" });
}

/**
 * One chat cycle on one account: create a chat, stream the completion, and, whatever happens, stop the generation
 * if the reply is unfinished and delete the chat. An expired or refused token is renewed once by signing in again.
 */
export async function* runAttempt(options: AttemptOptions): AsyncGenerator<UpstreamEvent> {
  const { client, account, model, signal } = options;
  const login = signIn(client, account);
  // The request keeps this token for its chat (unless refused), even if it enters the renewal window meanwhile.
  const budget = { used: false, token: await sessionToken(account, signal, login) };
  let token = "";
  const renewOnce = async <T>(call: (token: string) => Promise<T>): Promise<T> => {
    try {
      return await account.session.withToken(
        (secret) => {
          token = secret.reveal();
          return call(token);
        },
        { signal, budget, isAuthFailure, ...(login ? { login } : {}) },
      );
    } catch (error) {
      throw isAuthFailure(error) ? tokenRefused(account, budget.used) : error;
    }
  };
  const chatId = await renewOnce((current) => client.newChat(current, model.model, model.search ? "search" : "t2t", failureContext(account, "creating a chat"), signal));
  const parser = new QwenStreamParser(failureContext(account, "streaming the answer"), client.profile);
  let responseId: string | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const response = await renewOnce(async (current) => {
      const answer = await client.complete(current, chatId, { model: model.model, prompt: options.prompt, thinking: model.thinking, search: model.search }, signal);
      await rejectUnlessStream(answer, failureContext(account, "starting the answer"));
      return answer;
    });
    reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      for (const item of done ? parser.end() : parser.push(value)) {
        if (item.kind === "created") responseId = item.responseId;
        else if (item.kind === "finished") return yield { type: "end", reason: "stop" };
        else {
          if (item.event.type === "text" || item.event.type === "reasoning") options.onOutput();
          yield item.event;
        }
      }
      if (done) throw incomplete(parser.empty, account);
    }
  } finally {
    await reader?.cancel().catch(() => {});
    await cleanUp(options, token, chatId, parser.finished ? undefined : responseId);
  }
}

async function rejectUnlessStream(response: Response, context: FailureContext): Promise<void> {
  if (!response.ok) throw httpFailure(response.status, await response.text().catch(() => ""), retryAfterSeconds(response.headers), context);
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("text/event-stream") && response.body) return;
  // HTTP 200 but JSON or HTML: the WAF, an envelope error, or a format we do not know.
  const text = await response.text().catch(() => "");
  throw failureOf(text, context) ?? changedShape(`a ${type || "typeless"} body instead of an event stream: ${text.slice(0, 80)}`, context);
}

function incomplete(empty: boolean, account: QwenAccount): QwenFailure {
  if (empty) {
    return new QwenFailure(`Qwen Chat accepted the request on account "${account.label}" but sent nothing (a silent rejection; the account may be soft-banned).`, {
      status: 502,
      retryable: true,
      code: "empty_upstream_response",
    });
  }
  return new QwenFailure(`The connection to Qwen Chat ended before the answer was finished (account "${account.label}").`, { status: 502, retryable: true, code: "upstream_incomplete" });
}

async function cleanUp(options: AttemptOptions, token: string, chatId: string, unfinishedResponse: string | undefined): Promise<void> {
  const signal = AbortSignal.timeout(CLEANUP_MS);
  if (unfinishedResponse) await options.client.stop(token, chatId, unfinishedResponse, signal).catch(() => {});
  if (options.deleteChats) await options.client.deleteChat(token, chatId, signal).catch(() => {});
}
