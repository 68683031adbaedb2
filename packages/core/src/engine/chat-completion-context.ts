import type { FinishReason, Usage } from "../canonical.js";
import type { Dialect } from "../dialect/dialect.js";
import type { PolicyViolation } from "../policy/policy-violation.js";
import type { ProvenanceBudget, ProvenanceMode } from "../provenance/index.js";
import type { Upstream } from "../upstream.js";
import type { TraceSink } from "./trace-sink.js";

export interface ChatCompletionContext {
  upstream: Upstream;
  /** The upstream's own model id. */
  upstreamModel: string;
  /** Client disconnect → abort the upstream. */
  signal: AbortSignal;
  requestId?: string;
  /** False: fold system text into the first user turn (default true). */
  systemRole?: boolean;
  /**
   * The upstream's chat template already opened a reasoning block (`<think>`), so its output starts inside reasoning
   * and the first `</think>` ends it. Default false.
   */
  reasoningOpen?: boolean;
  /**
   * False: only toolshim's nonce-protected marker makes a call; markup in other formats (Hermes `<tool_call>`,
   * DeepSeek tokens, …) stays text. Default true, with foreign-format markup copied from the request's inputs kept as
   * text (provenance).
   */
  foreignFormats?: boolean;
  /**
   * Memory shared by the provenance indexes of all requests in flight (default `defaultProvenanceBudget`, 256 MB).
   * A request whose index does not fit in what is left is answered with foreign formats off (`stats.provenance`).
   */
  provenanceBudget?: ProvenanceBudget;
  /** Default: `defaultDialect`. */
  dialect?: Dialect;
  /**
   * Send each tool call as one opening delta carrying its complete arguments, for clients that mis-merge continuation
   * deltas of parallel calls (LobeChat, pi-ai). Default false: arguments stream as they are parsed.
   */
  argumentsInOneDelta?: boolean;
  /**
   * How many times the engine may ask the upstream again, with the error, when a reply breaks the tool rules before
   * anything reached the client. Default 1.
   */
  repairAttempts?: number;
  /** Observer of this request (the server's console): the prompt, raw upstream events, parser and policy decisions. */
  trace?: TraceSink;
}

/** Filled in as the response is produced; read it after the stream ends. */
export interface CompletionStats {
  toolCalls: number;
  finishReason?: FinishReason;
  usage?: Usage;
  mode?: "native" | "emulate";
  /** Violation kinds, in the order they happened (across attempts). */
  violations: string[];
  /** The same violations with their messages, for logs. */
  violationDetails?: PolicyViolation[];
  /** Upstream calls made: 1, plus one per repair. */
  attempts?: number;
  /** A call the model broke on every attempt was answered as the model's plain text (tool_choice auto, no strict tool). */
  answeredAsText?: boolean;
  /**
   * How the request's inputs were checked for copied call markup (set when calls were scanned for with foreign
   * formats on): `nonce-only` means they could not be indexed (`provenanceLimit` says which limit), so only the
   * nonce marker could make a call.
   */
  provenance?: ProvenanceMode;
  provenanceLimit?: "request-limit" | "process-budget";
}
