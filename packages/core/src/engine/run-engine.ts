import type { CanonicalEvent, CanonicalMessage, CanonicalRequest, FinishReason, Usage } from "../canonical.js";
import { generateCallId } from "../chat/encode-ids.js";
import { defaultDialect } from "../dialect/default-dialect.js";
import type { Dialect, ScanEvent } from "../dialect/dialect.js";
import { generateNonce } from "../dialect/generate-nonce.js";
import { rewriteForEmulation } from "../dialect/rewrite-for-emulation.js";
import { type PolicyViolation, PolicyViolationError } from "../policy/policy-violation.js";
import { resolveToolChoiceRules } from "../policy/tool-choice-rules.js";
import { type CallSource, type PolicyOutput, ToolPolicy } from "../policy/tool-policy.js";
import { type UpstreamEvent, type UpstreamRequest, UpstreamError } from "../upstream.js";
import type { ChatCompletionContext, CompletionStats } from "./chat-completion-context.js";
import { iterateWithAbort } from "./iterate-with-abort.js";
import { NativeCallMapper } from "./native-call-mapper.js";

export interface EngineRun {
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
  stats.mode = context.upstream.toolMode?.(context.upstreamModel) ?? "emulate";
  return { events: new EngineRunner(request, context, stats).events(), stats };
}

type AttemptOutcome =
  | { kind: "done"; finishReason: FinishReason; toolCalls: number }
  | { kind: "rejected"; violation: PolicyViolation; text: string }
  | { kind: "replan" };

/** A safe, unique id from a native upstream is kept so its own history stays consistent; anything else gets ours. */
const SAFE_CALL_ID = /^[A-Za-z0-9_-]{1,40}$/;

class EngineRunner {
  readonly #request: CanonicalRequest;
  readonly #context: ChatCompletionContext;
  readonly #stats: CompletionStats;
  readonly #dialect: Dialect;
  readonly #nonce = generateNonce();
  /** Without streaming nothing is visible before the end; with a required call, text waits for the first call. */
  readonly #holdUntilCall: boolean;
  /** Events held back while nothing may reach the client yet. */
  #pending: CanonicalEvent[] = [];
  /** Events released and waiting to be yielded. */
  #ready: CanonicalEvent[] = [];
  #released = false;
  #repairTurns: CanonicalMessage[] = [];
  readonly #callIds = new Set<string>();
  #usage: Usage | undefined;

  constructor(request: CanonicalRequest, context: ChatCompletionContext, stats: CompletionStats) {
    this.#request = request;
    this.#context = context;
    this.#stats = stats;
    this.#dialect = context.dialect ?? defaultDialect;
    this.#holdUntilCall = !request.stream || resolveToolChoiceRules(request).required;
  }

  async *events(): AsyncGenerator<CanonicalEvent> {
    let repairsLeft = this.#context.repairAttempts ?? 1;
    for (;;) {
      this.#stats.attempts = (this.#stats.attempts ?? 0) + 1;
      const outcome = yield* this.#attempt();
      if (outcome.kind === "replan") {
        this.#stats.mode = "emulate";
        continue;
      }
      if (outcome.kind === "rejected") {
        if (this.#released || repairsLeft <= 0) throw new PolicyViolationError(outcome.violation, this.#stats.attempts);
        repairsLeft--;
        this.#pending = [];
        this.#repairTurns.push(...repairTurns(outcome.violation, outcome.text));
        continue;
      }
      this.#stats.toolCalls = outcome.toolCalls;
      this.#stats.finishReason = outcome.finishReason;
      if (this.#usage) {
        this.#stats.usage = this.#usage;
        this.#emit({ type: "usage", usage: this.#usage });
      }
      this.#emit({ type: "finish", reason: outcome.finishReason });
      this.#release();
      for (const ready of this.#takeReady()) yield ready;
      return;
    }
  }

  async *#attempt(): AsyncGenerator<CanonicalEvent, AttemptOutcome> {
    const mode = this.#stats.mode ?? "emulate";
    const policy = new ToolPolicy(this.#request);
    const scanner = policy.rules.scanForCalls
      ? this.#dialect.createScanner({ tools: this.#request.tools, nonce: this.#nonce })
      : undefined;
    const native = new NativeCallMapper();
    const controller = new AbortController();
    const signal = AbortSignal.any([this.#context.signal, controller.signal]);
    let text = "";
    let received = false;
    let lastUsage: Extract<UpstreamEvent, { type: "usage" }> | undefined;
    let noted = false;

    const scanned = (events: ScanEvent[], source: CallSource): PolicyOutput[] =>
      events.flatMap((event) => {
        if (source === "text" && mode === "native" && event.type === "call-start" && !noted) {
          noted = true;
          this.#context.upstream.noteToolsIgnored?.(this.#context.upstreamModel);
        }
        return policy.push(event, source);
      });

    try {
      const upstreamEvents = this.#context.upstream.stream(this.#upstreamRequest(mode), signal);
      for await (const event of iterateWithAbort(upstreamEvents, this.#context.signal)) {
        received = true;
        let outputs: PolicyOutput[] = [];
        switch (event.type) {
          case "text":
            text += event.text;
            outputs = scanner ? scanned(scanner.push(event.text), "text") : policy.push(event);
            break;
          case "reasoning":
            outputs = policy.push(event);
            break;
          case "native-tool-call":
            outputs = scanned(native.push(event), "native");
            break;
          case "usage":
            lastUsage = event;
            break;
          case "end": {
            policy.upstreamEnded(event.reason);
            outputs = [...scanned(scanner?.end() ?? [], "text"), ...scanned(native.end(), "native")];
            const result = policy.finish();
            const violation = this.#deliver([...outputs, ...result.outputs]);
            for (const ready of this.#takeReady()) yield ready;
            if (violation) return { kind: "rejected", violation, text };
            return { kind: "done", finishReason: result.finishReason, toolCalls: result.toolCalls };
          }
        }
        const violation = this.#deliver(outputs);
        for (const ready of this.#takeReady()) yield ready;
        if (violation) return { kind: "rejected", violation, text };
      }
    } catch (error) {
      if (!received && mode === "native" && error instanceof UpstreamError && error.code === "tools_unsupported") {
        return { kind: "replan" };
      }
      throw error;
    } finally {
      controller.abort();
      // Rejected attempts cost tokens too; the client is told the total.
      this.#addUsage(lastUsage);
    }
    throw new UpstreamError("The upstream's stream stopped without saying why it ended.", {
      status: 502,
      retryable: true,
      code: "upstream_incomplete",
    });
  }

  #upstreamRequest(mode: "native" | "emulate"): UpstreamRequest {
    const request = this.#request;
    const messages = [...request.messages, ...this.#repairTurns];
    const upstreamRequest: UpstreamRequest = { model: this.#context.upstreamModel, messages, options: request.options };
    if (this.#context.requestId !== undefined) upstreamRequest.requestId = this.#context.requestId;
    if (mode === "emulate") {
      upstreamRequest.messages = rewriteForEmulation(
        { ...request, messages },
        { dialect: this.#dialect, nonce: this.#nonce, systemRole: this.#context.systemRole ?? true },
      );
      return upstreamRequest;
    }
    if (request.tools.length > 0) {
      upstreamRequest.tools = request.tools;
      upstreamRequest.toolChoice = request.toolChoice;
      upstreamRequest.parallelToolCalls = request.parallelToolCalls;
    }
    if (request.responseFormat) upstreamRequest.responseFormat = request.responseFormat;
    return upstreamRequest;
  }

  /** Turns policy output into canonical events; stops at the first fatal violation and returns it. */
  #deliver(outputs: PolicyOutput[]): PolicyViolation | undefined {
    for (const output of outputs) {
      switch (output.type) {
        case "violation":
          this.#stats.violations.push(output.violation.kind);
          this.#stats.violationDetails?.push(output.violation);
          if (output.violation.fatal) return output.violation;
          break;
        case "call-start": {
          const keep = output.source === "native" && output.id && SAFE_CALL_ID.test(output.id) && !this.#callIds.has(output.id);
          const id = keep && output.id ? output.id : generateCallId();
          this.#callIds.add(id);
          this.#emit({ type: "tool-call-start", index: output.index, id, name: output.name });
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

/** The rejected reply and what was wrong with it, so the model can correct itself on the next attempt. */
function repairTurns(violation: PolicyViolation, text: string): CanonicalMessage[] {
  const turns: CanonicalMessage[] = [];
  if (text.trim() !== "") turns.push({ role: "assistant", content: text });
  turns.push({
    role: "user",
    content: `Your previous reply could not be used: ${violation.message} Reply again, following the tool instructions exactly.`,
  });
  return turns;
}
