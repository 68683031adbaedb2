import { ToolshimError } from "../errors.js";

/** The ways a model's reply can break the rules of the request it answers. */
export type PolicyViolationKind =
  /** tool_choice demanded a call (required, named, allowed_tools "required") and the reply made none. */
  | "no_call_when_required"
  /** The reply called a declared tool that tool_choice does not allow. */
  | "wrong_tool"
  /** The reply called a tool the request never declared. */
  | "unknown_tool"
  /** The arguments are not a JSON object matching the tool's schema. */
  | "invalid_arguments"
  /** A call started but could not be parsed to the end. */
  | "malformed_call"
  /** The upstream's output length limit cut a call off. */
  | "truncated_call"
  /** More calls than allowed (parallel_tool_calls false, named tool_choice, legacy functions). */
  | "too_many_calls"
  /** A text answer that is not JSON matching a strict response format (Anthropic's `output_config.format`, strict `json_schema`). */
  | "invalid_output";

export interface PolicyViolation {
  kind: PolicyViolationKind;
  /** Says what was wrong in words a client developer and the model itself can act on. */
  message: string;
  toolName?: string;
  /**
   * True when the reply cannot be delivered honestly: the engine asks the upstream again while nothing has reached
   * the client, and fails with a `PolicyViolationError` otherwise. Non-fatal violations only show up in stats.
   */
  fatal: boolean;
}

/**
 * The model's output broke the request's tool rules and no repair was possible. Status 502 because the upstream
 * produced an unusable answer; `retryable` is false (servers send `x-should-retry: false`) because the same request
 * is likely to fail the same way. `code` is the violation kind.
 */
export class PolicyViolationError extends ToolshimError {
  readonly violation: PolicyViolation;
  readonly retryable = false;

  constructor(violation: PolicyViolation, attempts: number) {
    const tries = attempts === 1 ? "" : ` (after ${attempts} attempts)`;
    super(`The model's reply could not be turned into a valid answer${tries}: ${violation.message}`, {
      status: 502,
      type: "server_error",
      code: violation.kind,
    });
    this.name = "PolicyViolationError";
    this.violation = violation;
  }
}
