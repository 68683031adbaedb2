import type { CanonicalRequest, FinishReason } from "../canonical.js";
import type { ScanEvent } from "../dialect/dialect.js";
import { TextBuilder } from "../text-builder.js";
import type { UpstreamEvent } from "../upstream.js";
import { ArgumentValidator } from "./argument-validator.js";
import { OutputFormatCheck } from "./output-format-check.js";
import type { PolicyViolation } from "./policy-violation.js";
import { resolveToolChoiceRules, type ToolChoiceRules } from "./tool-choice-rules.js";

export type UpstreamEndReason = Extract<UpstreamEvent, { type: "end" }>["reason"];

/** Where a call came from: parsed out of the text, or a native tool call of the upstream. */
export type CallSource = "text" | "native";

/**
 * The policy's output: calls renumbered 0..n-1 in the order they reach the client, never interleaved, each start
 * followed by deltas that concatenate to its end's arguments. A call without an end was cut off and is not complete.
 */
export type PolicyOutput =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  | { type: "call-start"; index: number; name: string; id?: string; source: CallSource }
  | { type: "call-delta"; index: number; argumentsDelta: string }
  | { type: "call-end"; index: number; arguments: string }
  | { type: "violation"; violation: PolicyViolation };

export interface PolicyResult {
  outputs: PolicyOutput[];
  finishReason: FinishReason;
  /** Calls delivered complete. */
  toolCalls: number;
}

export interface ToolPolicyOptions {
  /**
   * Nothing of a call's arguments is visible before its end (a non-streamed response, or a client that gets each
   * call in one delta): arguments go out in one delta at the end, so a repaired call can still replace them.
   */
  holdArguments?: boolean;
}

type InvalidEvent = Extract<ScanEvent, { type: "call-invalid" }>;

interface CallState {
  name: string;
  id?: string;
  source: CallSource;
  strict: boolean;
  /** The argument deltas received so far (a builder: a long call would otherwise keep one string per delta). */
  received: TextBuilder;
  /** The complete arguments, once the call ended. */
  arguments: string;
  /** queued: accepted, not visible yet; streaming: visible, end not seen; done: visible and finished or cut off. */
  phase: "queued" | "streaming" | "done";
  ended: boolean;
  index?: number;
}

/**
 * Enforces tool_choice, parallel_tool_calls and argument schemas on scanned calls, as they stream. Strict calls (and
 * calls that start while another is still streaming) are held until complete; other calls stream as they are parsed.
 */
export class ToolPolicy {
  readonly rules: ToolChoiceRules;
  readonly #request: Pick<CanonicalRequest, "tools" | "toolChoice">;
  readonly #validator: ArgumentValidator;
  readonly #calls = new Map<string, CallState>();
  readonly #queue: CallState[] = [];
  #active: CallState | undefined;
  #reserved = 0;
  #nextIndex = 0;
  #completed = 0;
  #cutOff = false;
  #endReason: UpstreamEndReason | undefined;
  readonly #holdArguments: boolean;
  #repairs = 0;
  /** A strict response format's check, and the text answer it will check (collected only when there is one). */
  readonly #format: OutputFormatCheck | undefined;
  readonly #answer = new TextBuilder();

  constructor(
    request: Pick<CanonicalRequest, "tools" | "toolChoice" | "parallelToolCalls" | "legacyFunctions" | "responseFormat">,
    options: ToolPolicyOptions = {},
  ) {
    this.#request = request;
    this.#holdArguments = options.holdArguments === true;
    this.rules = resolveToolChoiceRules(request);
    this.#validator = new ArgumentValidator(request.tools);
    this.#format = OutputFormatCheck.of(request);
  }

  push(event: ScanEvent, source: CallSource = "text"): PolicyOutput[] {
    const outputs: PolicyOutput[] = [];
    this.pushInto(event, source, outputs);
    return outputs;
  }

  /** `push`, appending to `outputs`: no array per token on the streaming path. */
  pushInto(event: ScanEvent, source: CallSource, outputs: PolicyOutput[]): void {
    switch (event.type) {
      case "text":
        if (event.text === "") return;
        if (this.#format) this.#answer.append(event.text);
        outputs.push(event);
        return;
      case "reasoning":
        if (event.text !== "") outputs.push(event);
        return;
      case "call-delta": {
        const delta = this.#delta(`${source}:${event.index}`, event.argumentsDelta);
        if (delta) outputs.push(delta);
        return;
      }
      default:
        for (const output of this.#other(event, source)) outputs.push(output);
    }
  }

  #other(event: Exclude<ScanEvent, { type: "text" | "reasoning" | "call-delta" }>, source: CallSource): PolicyOutput[] {
    switch (event.type) {
      case "call-start":
        return this.#start(`${source}:${event.index}`, event.name, event.id, source);
      case "call-end":
        return this.#end(`${source}:${event.index}`, event.arguments);
      case "call-invalid":
        return this.#invalid(`${source}:${event.index}`, event.reason, event);
    }
  }

  /** The upstream said why it stopped; calls left open after this were cut off (length, content filter) or broken. */
  upstreamEnded(reason: UpstreamEndReason): void {
    this.#endReason = reason;
  }

  /** Closes whatever is still open and decides the finish reason. */
  finish(): PolicyResult {
    const outputs: PolicyOutput[] = [];
    for (const [key, call] of this.#calls) {
      if (call.phase !== "done" && !(call.phase === "queued" && call.ended)) {
        outputs.push(...this.#invalid(key, "the output ended inside the call"));
      }
    }
    outputs.push(...this.#advance());
    if (this.rules.required && this.#completed === 0 && !this.#upstreamCutOff()) {
      outputs.push(violation({ kind: "no_call_when_required", fatal: true, message: this.#requiredMessage() }));
    }
    const format = this.#formatViolation();
    if (format) outputs.push(format);
    return { outputs, finishReason: this.#finishReason(), toolCalls: this.#completed };
  }

  /**
   * A text answer (no call was made) that breaks the strict response format. An answer the upstream cut off is left
   * alone: its finish reason already says it is incomplete.
   */
  #formatViolation(): PolicyOutput | undefined {
    if (!this.#format || this.#calls.size > 0 || this.#upstreamCutOff()) return undefined;
    const problem = this.#format.problem(this.#answer.toString());
    if (problem === null) return undefined;
    return violation({
      kind: "invalid_output",
      fatal: true,
      message: `the answer must be only a JSON document matching the response format's JSON Schema, but ${problem}.`,
    });
  }

  #start(key: string, name: string, id: string | undefined, source: CallSource): PolicyOutput[] {
    const tool = this.#request.tools.find((candidate) => candidate.name === name);
    if (!tool) {
      return [this.#drop(key, "unknown_tool", name, `the reply called "${name}", which is not a declared tool${this.#declaredList()}.`)];
    }
    if (!this.rules.allowed.has(name)) {
      return [this.#drop(key, "wrong_tool", name, `the reply called "${name}", but ${this.#choiceText()}.`)];
    }
    if (this.#reserved >= this.rules.maxCalls) {
      return [
        this.#drop(key, "too_many_calls", name, `only one tool call is allowed per reply; the extra call to "${name}" was dropped.`, false),
      ];
    }
    this.#reserved++;
    const call: CallState = { name, source, strict: tool.strict, received: new TextBuilder(), arguments: "", phase: "queued", ended: false };
    if (id !== undefined) call.id = id;
    this.#calls.set(key, call);
    this.#queue.push(call);
    return this.#advance();
  }

  #delta(key: string, argumentsDelta: string): PolicyOutput | undefined {
    const call = this.#calls.get(key);
    if (!call || call.phase === "done" || argumentsDelta === "") return undefined;
    call.received.append(argumentsDelta);
    if (call.phase !== "streaming" || this.#holdArguments) return undefined;
    return { type: "call-delta", index: call.index as number, argumentsDelta };
  }

  #end(key: string, args: string): PolicyOutput[] {
    const call = this.#calls.get(key);
    if (!call || call.phase === "done" || call.ended) return [];
    call.arguments = args;
    const check = this.#validator.check(call.name, args);
    const outputs: PolicyOutput[] = [];
    if (call.phase === "streaming") {
      this.#active = undefined;
      call.phase = "done";
      if (!check.valid && check.problem === "syntax") {
        // Already visible, so it cannot be withdrawn; it is left unfinished rather than claimed complete.
        outputs.push(this.#invalidArguments(call, check.reason, true));
      } else {
        if (!check.valid) outputs.push(this.#invalidArguments(call, check.reason, false));
        const index = call.index as number;
        const sent = this.#holdArguments ? 0 : call.received.length;
        // Held arguments go out whole; a repaired call's tail follows what already streamed (see #repair).
        if (args.length > sent) outputs.push({ type: "call-delta", index, argumentsDelta: args.slice(sent) });
        outputs.push({ type: "call-end", index, arguments: args });
        this.#completed++;
      }
    } else if (!check.valid && (call.strict || check.problem === "syntax")) {
      this.#withdraw(key, call);
      outputs.push(this.#invalidArguments(call, check.reason, true));
    } else {
      if (!check.valid) outputs.push(this.#invalidArguments(call, check.reason, false));
      call.ended = true;
    }
    outputs.push(...this.#advance());
    return outputs;
  }

  #invalid(key: string, reason: string, event?: InvalidEvent): PolicyOutput[] {
    const call = this.#calls.get(key);
    const cutOff = this.#upstreamCutOff();
    if (!cutOff && event?.repaired && (!call || call.phase !== "done")) {
      const repaired = this.#repair(key, call, event.repaired, reason);
      if (repaired) return repaired;
    }
    if (!call && !cutOff && event?.name !== undefined) {
      return [this.#drop(key, "unknown_tool", event.name, `the reply called "${event.name}", which is not a declared tool${this.#declaredList()}.`)];
    }
    if (!call) {
      // The scanner gave up on a call before it could start (an undeclared name, a broken header): still a call the
      // model meant to make, so it is reported, never ignored.
      this.#calls.set(key, { name: "", source: "text", strict: false, received: new TextBuilder(), arguments: "", phase: "done", ended: true });
      if (cutOff) this.#cutOff = true;
      return [
        violation(
          cutOff
            ? { kind: "truncated_call", fatal: false, message: `a tool call was cut off by the upstream (${this.#endReason}).` }
            : { kind: "malformed_call", fatal: true, message: `a tool call could not be used: ${reason}${this.#declaredList()}.` },
        ),
      ];
    }
    if (call.phase === "done") return [];
    if (cutOff) this.#cutOff = true;
    if (call.phase === "streaming") {
      this.#active = undefined;
      call.phase = "done";
    } else {
      this.#withdraw(key, call);
    }
    const outputs: PolicyOutput[] = [
      cutOff
        ? violation({
            kind: "truncated_call",
            toolName: call.name,
            fatal: false,
            message: `the call to "${call.name}" was cut off by the upstream (${this.#endReason}).`,
          })
        : violation({
            kind: "malformed_call",
            toolName: call.name,
            fatal: true,
            message: `the call to "${call.name}" could not be parsed: ${reason}.`,
          }),
    ];
    outputs.push(...this.#advance());
    return outputs;
  }

  /** Makes visible every queued call that can be: complete ones whole, the first incomplete non-strict one streaming. */
  #advance(): PolicyOutput[] {
    const outputs: PolicyOutput[] = [];
    while (!this.#active && this.#queue.length > 0) {
      const head = this.#queue[0] as CallState;
      if (!head.ended && head.strict) break;
      this.#queue.shift();
      head.index = this.#nextIndex++;
      const start: PolicyOutput = { type: "call-start", index: head.index, name: head.name, source: head.source };
      if (head.id !== undefined) start.id = head.id;
      outputs.push(start);
      const sofar = head.ended ? head.arguments : head.received.toString();
      if (sofar !== "" && !this.#holdArguments) outputs.push({ type: "call-delta", index: head.index, argumentsDelta: sofar });
      if (head.ended) {
        if (this.#holdArguments && sofar !== "") outputs.push({ type: "call-delta", index: head.index, argumentsDelta: sofar });
        head.phase = "done";
        outputs.push({ type: "call-end", index: head.index, arguments: head.arguments });
        this.#completed++;
      } else {
        head.phase = "streaming";
        this.#active = head;
      }
    }
    return outputs;
  }

  /**
   * A broken call in toolshim's marker that `jsonrepair` could fix is used when nothing the client saw contradicts
   * it: the call had not started, or is still held back (strict, queued, arguments held), or the repair only appends
   * to what already streamed. The repaired arguments then pass the same checks as any call (tool_choice, parallel
   * limit, strict), and must match the schema even for a non-strict tool. Otherwise the call stays malformed.
   */
  #repair(key: string, call: CallState | undefined, repaired: { name: string; arguments: string }, reason: string): PolicyOutput[] | undefined {
    const note = violation({
      kind: "malformed_call",
      toolName: repaired.name,
      fatal: false,
      message: `the call to "${repaired.name}" was repaired (${reason}).`,
    });
    // A repair is a guess on top of a broken call: unlike a call the model wrote intact, one that breaks the schema
    // is not delivered even for a non-strict tool.
    const check = this.#validator.check(repaired.name, repaired.arguments);
    if (!check.valid) {
      return this.#invalid(key, `${reason}; repaired, ${check.reason}`);
    }
    if (!call) {
      const repairKey = `repaired:${this.#repairs++}`;
      return [note, ...this.#start(repairKey, repaired.name, undefined, "text"), ...this.#end(repairKey, repaired.arguments)];
    }
    if (call.name !== repaired.name) return undefined;
    const visible = call.phase === "streaming" && !this.#holdArguments;
    if (visible && !repaired.arguments.startsWith(call.received.toString())) return undefined;
    return [note, ...this.#end(key, repaired.arguments)];
  }

  #withdraw(key: string, call: CallState): void {
    const position = this.#queue.indexOf(call);
    if (position >= 0) this.#queue.splice(position, 1);
    this.#calls.delete(key);
    this.#reserved--;
  }

  #drop(key: string, kind: PolicyViolation["kind"], name: string, message: string, fatal = true): PolicyOutput {
    // Remembered as done so its deltas and end are swallowed: dropped markup never reaches the client.
    this.#calls.set(key, { name, source: "text", strict: false, received: new TextBuilder(), arguments: "", phase: "done", ended: true });
    return violation({ kind, toolName: name, fatal, message });
  }

  #invalidArguments(call: CallState, reason: string, fatal: boolean): PolicyOutput {
    return violation({
      kind: "invalid_arguments",
      toolName: call.name,
      fatal,
      message: `the arguments of the call to "${call.name}" are invalid: ${reason}.`,
    });
  }

  #upstreamCutOff(): boolean {
    return this.#endReason === "length" || this.#endReason === "content-filter";
  }

  #finishReason(): FinishReason {
    if (this.#endReason === "content-filter") return "content_filter";
    if (this.#cutOff) return "length";
    if (this.#completed > 0) return "tool_calls";
    return this.#endReason === "length" ? "length" : "stop";
  }

  #declaredList(): string {
    const names = this.#request.tools.map((tool) => tool.name);
    return names.length === 0 ? "" : ` (declared: ${names.join(", ")})`;
  }

  #choiceText(): string {
    const choice = this.#request.toolChoice;
    if (choice.type === "none") return `tool_choice is "none", so no tool may be called`;
    const allowed = [...this.rules.allowed];
    return allowed.length === 0 ? "tool_choice allows no declared tool" : `tool_choice allows only: ${allowed.join(", ")}`;
  }

  #requiredMessage(): string {
    const choice = this.#request.toolChoice;
    if (choice.type === "function") return `tool_choice requires a call to "${choice.name}", and the reply made none.`;
    return `tool_choice requires a tool call (one of: ${[...this.rules.allowed].join(", ")}), and the reply made none.`;
  }
}

function violation(value: PolicyViolation): PolicyOutput {
  return { type: "violation", violation: value };
}
