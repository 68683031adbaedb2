import type { CanonicalEvent, CanonicalMessage, CanonicalRequest, FinishReason, Usage } from "../canonical.js";
import { generateCallId } from "../chat/encode-ids.js";
import { defaultDialect } from "../dialect/default-dialect.js";
import type { Dialect, ScanContext, ScanEvent, Scanner } from "../dialect/dialect.js";
import { generateNonce } from "../dialect/generate-nonce.js";
import { ToolshimError } from "../errors.js";
import { type PolicyViolation, PolicyViolationError } from "../policy/policy-violation.js";
import { checksOutputFormat } from "../policy/output-format-check.js";
import { resolveToolChoiceRules } from "../policy/tool-choice-rules.js";
import { ProvenanceIndex } from "../provenance/provenance-index.js";
import { type CallSource, type PolicyOutput, ToolPolicy } from "../policy/tool-policy.js";
import { type UpstreamEvent, type UpstreamRequest, UpstreamError } from "../upstream.js";
import type { ChatCompletionContext, CompletionStats } from "./chat-completion-context.js";
import { BatchSource, type BatchReader, readBatches } from "./batch-iterator.js";
import { buildUpstreamRequest } from "./build-upstream-request.js";
import { NativeCallMapper } from "./native-call-mapper.js";
import { answersAsText, plainTextEvents, repairTurns } from "./rejected-reply.js";
import { TextBuilder } from "../text-builder.js";
import { traceNote, traceScan } from "./trace-sink.js";

export interface EngineRun {
  /** Also a `BatchIterator`: consumers that read batches get everything one upstream read produced at once. */
  events: AsyncIterable<CanonicalEvent>;
  stats: CompletionStats;
}

/**
 * The pipeline at the canonical level: plan native or emulated, call the upstream, scan its text for calls, enforce
 * the tool rules, and emit canonical events ending with `usage` (when known) and `finish`. When a reply breaks the
 * rules before anything was released, the upstream is asked again with the error (`repairAttempts`, default 1).
 * Nothing happens until `events` is iterated; failures are thrown from the iterator.
 */
export async function runEngine(request: CanonicalRequest, context: ChatCompletionContext): Promise<EngineRun> {
  const stats: CompletionStats = { toolCalls: 0, violations: [], violationDetails: [], attempts: 0 };
  // Custom tools take raw text, which no native tool API of an upstream carries: such requests are always emulated.
  const custom = request.tools.some((tool) => tool.custom);
  stats.mode = custom ? "emulate" : (context.upstream.toolMode?.(context.upstreamModel) ?? "emulate");
  return { events: new EngineRunner(request, context, stats), stats };
}

/**
 * The reason an attempt's or the indexing's controller is aborted with once it is over. Aborting without a reason
 * makes a DOMException, whose stack capture was a measurable part of each request's CPU; nothing reads this one.
 */
const OVER = new Error("toolshim is done with this step of the request.");

function clientClosedError(): ToolshimError {
  return new ToolshimError("The client closed the request.", { status: 499, code: "client_closed_request" });
}

type AttemptOutcome =
  | { kind: "done"; finishReason: FinishReason; toolCalls: number }
  | { kind: "rejected"; violation: PolicyViolation; attempt: Attempt };

/** One call of the upstream and what has been made of its reply so far. */
interface Attempt {
  mode: "native" | "emulate";
  policy: ToolPolicy;
  scanner: Scanner;
  native: NativeCallMapper;
  controller: AbortController;
  reader: BatchReader<UpstreamEvent> | undefined;
  /** The reply's text and reasoning, for the repair turn or the plain-text answer when it is rejected. */
  text: TextBuilder;
  reasoning: TextBuilder;
  received: boolean;
  /** The upstream's iterator ended by itself (no need to return it). */
  drained: boolean;
  lastUsage: Extract<UpstreamEvent, { type: "usage" }> | undefined;
  /** In native mode, the provider was told that the model wrote a call as text. */
  noted: boolean;
}

/** A safe, unique id from a native upstream is kept so its own history stays consistent; anything else gets ours. */
const SAFE_CALL_ID = /^[A-Za-z0-9_-]{1,40}$/;

/**
 * The engine as a hand-written batch iterator (no generator layers on the per-token path): each pull reads one batch
 * of upstream events and turns all of it into canonical events at once.
 */
class EngineRunner extends BatchSource<CanonicalEvent> {
  readonly #request: CanonicalRequest;
  readonly #context: ChatCompletionContext;
  readonly #stats: CompletionStats;
  readonly #dialect: Dialect;
  readonly #nonce = generateNonce();
  /** The request's untrusted inputs: foreign-format markup copied from them is not a call. */
  #provenance: ProvenanceIndex | undefined;
  /** Stops indexing the inputs in the background once the request is over. */
  readonly #indexing = new AbortController();
  /**
   * Without streaming nothing is visible before the end; with a required call, or a strict response format that a text
   * answer must match, text waits for the first call (or the end, where the policy checks it).
   */
  readonly #holdUntilCall: boolean;
  /** Events held back while nothing may reach the client yet. */
  #pending: CanonicalEvent[] = [];
  /** Events released and waiting to be handed over. */
  #ready: CanonicalEvent[] = [];
  #released = false;
  #repairTurns: CanonicalMessage[] = [];
  readonly #callIds = new Set<string>();
  readonly #customTools: Set<string>;
  #usage: Usage | undefined;
  #repairsLeft: number;
  #attempt: Attempt | undefined;
  /** The attempt whose read is in progress, for the read's callbacks. */
  #reading: Attempt | undefined;
  #complete = false;
  /** Rejects the read in progress: the client went away, or the iterator was returned. */
  #interrupt: ((error: unknown) => void) | undefined;
  #listening = false;
  readonly #onAbort = (): void => this.#interrupt?.(clientClosedError());
  /** Policy output of the upstream event being handled (reused). */
  readonly #outputs: PolicyOutput[] = [];

  constructor(request: CanonicalRequest, context: ChatCompletionContext, stats: CompletionStats) {
    super();
    this.#request = request;
    this.#context = context;
    this.#stats = stats;
    this.#dialect = context.dialect ?? defaultDialect;
    this.#holdUntilCall = !request.stream || resolveToolChoiceRules(request).required || checksOutputFormat(request);
    this.#repairsLeft = context.repairAttempts ?? 1;
    this.#customTools = new Set(request.tools.filter((tool) => tool.custom).map((tool) => tool.name));
  }

  // Not an async function: this runs once per upstream read, and an async body costs its own promise and resumption
  // on top of the read's. The attempt being read waits in a field for the callbacks (one pull at a time).
  protected pull(): Promise<CanonicalEvent[] | undefined> {
    if (this.#complete) return Promise.resolve(undefined);
    try {
      const attempt = this.#attempt ?? this.#start();
      this.#reading = attempt;
      return this.#read(attempt).then(this.#onBatch, this.#onReadFailed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readonly #onReadFailed = (error: unknown): CanonicalEvent[] | undefined => {
    const attempt = this.#reading as Attempt;
    this.#interrupt = undefined;
    this.#end(attempt);
    if (!attempt.received && attempt.mode === "native" && error instanceof UpstreamError && error.code === "tools_unsupported") {
      this.#stats.mode = "emulate";
      return [];
    }
    return this.#failAfterReady(error);
  };

  readonly #onBatch = (batch: UpstreamEvent[] | undefined): CanonicalEvent[] | undefined => {
    const attempt = this.#reading as Attempt;
    this.#interrupt = undefined;
    if (this.finished) return undefined;
    if (batch === undefined) {
      attempt.drained = true;
      this.#end(attempt);
      return this.#failAfterReady(
        new UpstreamError("The upstream's stream stopped without saying why it ended.", {
          status: 502,
          retryable: true,
          code: "upstream_incomplete",
        }),
      );
    }
    attempt.received = true;
    for (const event of batch) {
      let outcome: AttemptOutcome | undefined;
      try {
        outcome = this.#handle(attempt, event);
      } catch (error) {
        this.#end(attempt);
        return this.#failAfterReady(error);
      }
      if (outcome) {
        this.#end(attempt);
        return this.#conclude(outcome);
      }
    }
    return this.#takeReady();
  };

  protected close(): void {
    if (this.#attempt) this.#end(this.#attempt);
    this.#interrupt?.(clientClosedError());
    this.#stopListening();
  }

  /**
   * Reasoning blocks are split out of the text whether or not calls are scanned for. When they are not (no tools, or
   * tool_choice "none"), the scanner knows no tool and a nonce the model has never seen, so it cannot find a call.
   */
  #createScanner(policy: ToolPolicy): Scanner {
    const reasoningOpen = this.#context.reasoningOpen === true;
    if (!policy.rules.scanForCalls) return this.#dialect.createScanner({ tools: [], nonce: generateNonce(), reasoningOpen });
    const foreignFormats = this.#context.foreignFormats !== false;
    // Built once per request (repairs reuse it), in slices while the upstream thinks; the scan finishes it if needed.
    if (foreignFormats && !this.#provenance) {
      const budget = this.#context.provenanceBudget;
      this.#provenance = ProvenanceIndex.fromRequest(this.#request, budget ? { budget } : {});
      this.#stats.provenance = this.#provenance.mode;
      if (this.#provenance.reason) this.#stats.provenanceLimit = this.#provenance.reason;
      void this.#provenance.prepare(this.#indexing.signal);
    }
    const context: ScanContext = { tools: this.#request.tools, nonce: this.#nonce, reasoningOpen, foreignFormats };
    if (this.#provenance) context.provenance = this.#provenance;
    const trace = this.#context.trace;
    if (trace) {
      const attempt = this.#stats.attempts ?? 1;
      context.onCopied = (text) => trace.record({ kind: "not-a-call", attempt, reason: "copied-from-input", text });
      context.onNote = (note) => traceNote(trace, attempt, note);
    }
    return this.#dialect.createScanner(context);
  }

  #start(): Attempt {
    this.#stats.attempts = (this.#stats.attempts ?? 0) + 1;
    const mode = this.#stats.mode ?? "emulate";
    // Arguments nobody sees before the call's end are held, so a repaired call can still replace them.
    const holdArguments = !this.#request.stream || this.#context.argumentsInOneDelta === true;
    const policy = new ToolPolicy(this.#request, { holdArguments });
    const controller = new AbortController();
    const attempt: Attempt = {
      mode,
      policy,
      scanner: this.#createScanner(policy),
      native: new NativeCallMapper(),
      controller,
      reader: undefined,
      text: new TextBuilder(),
      reasoning: new TextBuilder(),
      received: false,
      drained: false,
      lastUsage: undefined,
      noted: false,
    };
    this.#attempt = attempt;
    if (!this.#listening) {
      this.#listening = true;
      this.#context.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
    return attempt;
  }

  /** The next batch of upstream events, given up the moment the client goes away (even if the upstream is stuck). */
  #read(attempt: Attempt): Promise<UpstreamEvent[] | undefined> {
    if (this.#context.signal.aborted) return Promise.reject(clientClosedError());
    return new Promise<UpstreamEvent[] | undefined>((resolve, reject) => {
      this.#interrupt = reject;
      // The upstream call starts here, inside the promise, so a provider that throws at once fails the read.
      if (!attempt.reader) {
        const signal = AbortSignal.any([this.#context.signal, attempt.controller.signal]);
        const parts = { dialect: this.#dialect, nonce: this.#nonce, context: this.#context };
        const request = buildUpstreamRequest(this.#request, this.#repairTurns, attempt.mode, parts);
        const attemptNumber = this.#stats.attempts ?? 1;
        this.#context.trace?.record({ kind: "upstream-request", attempt: attemptNumber, mode: attempt.mode, nonce: this.#nonce, request });
        attempt.reader = readBatches(this.#context.upstream.stream(request, signal));
      }
      attempt.reader.next().then(resolve, reject);
    });
  }

  /** Ends an attempt: stops its upstream call and counts its usage (rejected attempts cost tokens too). */
  #end(attempt: Attempt): void {
    if (this.#attempt !== attempt) return;
    this.#attempt = undefined;
    attempt.controller.abort(OVER);
    // Not awaited: a provider stuck in a pending step would otherwise hold the caller.
    if (!attempt.drained && attempt.reader) attempt.reader.return().catch(() => {});
    this.#addUsage(attempt.lastUsage);
  }

  /** What a decided attempt leads to: the final events, another attempt (repair), or the violation as an error. */
  #conclude(outcome: AttemptOutcome): CanonicalEvent[] | undefined {
    if (outcome.kind === "rejected") {
      if (this.#released || this.#repairsLeft <= 0) {
        if (!this.#released && answersAsText(this.#request, outcome.violation)) return this.#answerAsText(outcome.attempt);
        return this.#failAfterReady(new PolicyViolationError(outcome.violation, this.#stats.attempts ?? 1));
      }
      this.#repairsLeft--;
      this.#pending = [];
      const turns = repairTurns(outcome.violation, outcome.attempt.text.toString());
      this.#repairTurns.push(...turns);
      this.#context.trace?.record({ kind: "repair", attempt: this.#stats.attempts ?? 1, turns });
      return this.#takeReady();
    }
    this.#complete = true;
    this.#stopListening();
    this.#stats.toolCalls = outcome.toolCalls;
    this.#stats.finishReason = outcome.finishReason;
    if (this.#usage) {
      this.#stats.usage = this.#usage;
      this.#emit({ type: "usage", usage: this.#usage });
    }
    this.#emit({ type: "finish", reason: outcome.finishReason });
    this.#context.trace?.record({
      kind: "done",
      finishReason: outcome.finishReason,
      toolCalls: outcome.toolCalls,
      answeredAsText: this.#stats.answeredAsText === true,
      ...(this.#stats.provenance ? { provenance: this.#stats.provenance } : {}),
    });
    this.#release();
    return this.#takeReady();
  }

  /** The rejected reply as plain text (see `answersAsText`), in place of everything it had produced. */
  #answerAsText(attempt: Attempt): CanonicalEvent[] | undefined {
    this.#pending = [];
    this.#stats.answeredAsText = true;
    const reply = { text: attempt.text.toString(), reasoning: attempt.reasoning.toString() };
    for (const event of plainTextEvents(reply, this.#dialect, this.#context.reasoningOpen === true)) this.#emit(event);
    return this.#conclude({ kind: "done", finishReason: "stop", toolCalls: 0 });
  }

  /** Events released before a failure still go out first; the failure follows them. */
  #failAfterReady(error: unknown): CanonicalEvent[] {
    this.#complete = true;
    this.#stopListening();
    const ready = this.#takeReady();
    if (ready.length === 0) throw error;
    this.failAfterThisBatch(error);
    return ready;
  }

  #stopListening(): void {
    this.#indexing.abort(OVER);
    this.#provenance?.release();
    if (!this.#listening) return;
    this.#listening = false;
    this.#context.signal.removeEventListener("abort", this.#onAbort);
  }

  /** Handles one upstream event; returns the attempt's outcome once it is decided. */
  #handle(attempt: Attempt, event: UpstreamEvent): AttemptOutcome | undefined {
    const outputs = this.#outputs;
    outputs.length = 0;
    const trace = this.#context.trace;
    if (trace) trace.record({ kind: "upstream-event", attempt: this.#stats.attempts ?? 1, event });
    switch (event.type) {
      case "text":
        attempt.text.append(event.text);
        this.#scanned(attempt, attempt.scanner.push(event.text), "text");
        break;
      case "reasoning":
        attempt.reasoning.append(event.text);
        attempt.policy.pushInto(event, "text", outputs);
        break;
      case "native-tool-call":
        this.#scanned(attempt, attempt.native.push(event), "native");
        break;
      case "usage":
        attempt.lastUsage = event;
        break;
      case "end": {
        attempt.policy.upstreamEnded(event.reason);
        this.#scanned(attempt, attempt.scanner.end(), "text");
        this.#scanned(attempt, attempt.native.end(), "native");
        const result = attempt.policy.finish();
        append(outputs, result.outputs);
        const violation = this.#deliver(outputs);
        if (violation) return { kind: "rejected", violation, attempt };
        return { kind: "done", finishReason: result.finishReason, toolCalls: result.toolCalls };
      }
    }
    if (outputs.length === 0) return undefined;
    const violation = this.#deliver(outputs);
    return violation ? { kind: "rejected", violation, attempt } : undefined;
  }

  /** Runs scanned calls through the policy, into the current outputs. */
  #scanned(attempt: Attempt, events: ScanEvent[], source: CallSource): void {
    if (this.#context.trace && events.length > 0) traceScan(this.#context.trace, this.#stats.attempts ?? 1, events);
    for (const event of events) {
      if (source === "text" && attempt.mode === "native" && event.type === "call-start" && !attempt.noted) {
        attempt.noted = true;
        this.#context.upstream.noteToolsIgnored?.(this.#context.upstreamModel);
      }
      attempt.policy.pushInto(event, source, this.#outputs);
    }
  }

  /** Turns policy output into canonical events; stops at the first fatal violation and returns it. */
  #deliver(outputs: PolicyOutput[]): PolicyViolation | undefined {
    for (const output of outputs) {
      switch (output.type) {
        case "violation":
          this.#context.trace?.record({ kind: "violation", attempt: this.#stats.attempts ?? 1, violation: output.violation });
          this.#stats.violations.push(output.violation.kind);
          this.#stats.violationDetails?.push(output.violation);
          if (output.violation.fatal) return output.violation;
          break;
        case "call-start": {
          const keep = output.source === "native" && output.id && SAFE_CALL_ID.test(output.id) && !this.#callIds.has(output.id);
          const id = keep && output.id ? output.id : generateCallId();
          this.#callIds.add(id);
          const start: CanonicalEvent = { type: "tool-call-start", index: output.index, id, name: output.name };
          if (this.#customTools.has(output.name)) start.custom = true;
          this.#emit(start);
          break;
        }
        case "call-delta":
          this.#emit({ type: "tool-call-delta", index: output.index, argumentsDelta: output.argumentsDelta });
          break;
        case "call-end":
          this.#emit({ type: "tool-call-end", index: output.index, arguments: output.arguments });
          break;
        default:
          this.#emit(output);
      }
    }
    return undefined;
  }

  #emit(event: CanonicalEvent): void {
    if (this.#released) {
      this.#ready.push(event);
      return;
    }
    this.#pending.push(event);
    const callReleasesText = this.#request.stream && event.type === "tool-call-start";
    if (!this.#holdUntilCall || callReleasesText) this.#release();
  }

  #release(): void {
    this.#released = true;
    this.#ready.push(...this.#pending);
    this.#pending = [];
  }

  #takeReady(): CanonicalEvent[] {
    const ready = this.#ready;
    this.#ready = [];
    return ready;
  }

  #addUsage(usage: Extract<UpstreamEvent, { type: "usage" }> | undefined): void {
    if (!usage) return;
    const total: Usage = this.#usage ?? { inputTokens: 0, outputTokens: 0 };
    total.inputTokens += usage.inputTokens ?? 0;
    total.outputTokens += usage.outputTokens ?? 0;
    if (usage.reasoningTokens !== undefined) total.reasoningTokens = (total.reasoningTokens ?? 0) + usage.reasoningTokens;
    this.#usage = total;
  }
}

function append<T>(into: T[], items: readonly T[]): void {
  for (const item of items) into.push(item);
}
