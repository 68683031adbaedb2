import type { UpstreamEvent } from "@toolshim/core";
import { redactSecrets, retryAfterSeconds, Secret } from "@toolshim/core/provider-utils";
import type { QwenAccount } from "../accounts/qwen-account.js";
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

/** Makes sure the account has a usable token: signs in when it has none, or when it is about to expire. */
export async function ensureToken(client: QwenClient, account: QwenAccount, signal: AbortSignal, force = false): Promise<string> {
  if (!force && account.token && !account.needsToken(Date.now())) return account.token.reveal();
  if (!account.email || !account.password) {
    if (account.token && !force) return account.token.reveal();
    throw tokenRefused(account);
  }
  // Concurrent requests on one account share a sign-in instead of each starting one.
  account.signingIn ??= client
    .signIn(account.email, account.password.reveal(), failureContext(account, "signing in"), signal)
    .then((token) => {
      account.token = new Secret(token);
      return token;
    })
    .finally(() => {
      account.signingIn = undefined;
    });
  return account.signingIn;
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
  let token = await ensureToken(client, account, signal);
  let renewed = false;
  const renewOnce = async <T>(call: (token: string) => Promise<T>): Promise<T> => {
    try {
      return await call(token);
    } catch (error) {
      if (!(error instanceof QwenFailure) || error.kind !== "auth") throw error;
      if (renewed || !account.canSignIn) throw tokenRefused(account, renewed);
      renewed = true;
      token = await ensureToken(client, account, signal, true);
      return call(token);
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
