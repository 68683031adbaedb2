import type { CanonicalToolCall, ToolChoice, ToolDefinition } from "../canonical.js";
import type { NoteSink } from "../parser/parser-note.js";
import type { ProvenanceIndex } from "../provenance/provenance-index.js";

/**
 * How tools are put into the prompt and how calls come back. The default dialect wraps each call in markers that carry
 * a fresh random nonce per request:
 *
 *   <call:NONCE>{"name": "get_weather", "arguments": {"city": "Paris"}}</call:NONCE>
 *
 * and renders results as `<result:NONCE ...>…</result:NONCE>`. A marker whose nonce is not the request's is text.
 */
export interface Dialect {
  readonly name: string;
  /** Instructions describing the tools, tool_choice and parallel policy. Empty when tool_choice is "none". */
  renderTools(context: RenderContext): string;
  /** An earlier assistant call, re-rendered for history. */
  renderCall(call: CanonicalToolCall, context: RenderContext): string;
  /** A tool result, linked to its call by id and name. */
  renderResult(result: ToolResultText, context: RenderContext): string;
  createScanner(context: ScanContext): Scanner;
}

export interface RenderContext {
  tools: ToolDefinition[];
  toolChoice: ToolChoice;
  parallelToolCalls: boolean;
  nonce: string;
}

export interface ToolResultText {
  callId: string;
  name: string;
  content: string;
  isError?: boolean;
}

export interface ScanContext {
  /** Declared tools the model may call; foreign formats only count when they name one of these. */
  tools: ToolDefinition[];
  nonce: string;
  /** The prompt already opened a reasoning block, so output starts inside reasoning. */
  reasoningOpen?: boolean;
  /**
   * The request's untrusted inputs (`ProvenanceIndex.fromRequest`): foreign-format markup copied verbatim from one of
   * them stays text. Without it, every foreign-format call naming a declared tool counts.
   */
  provenance?: ProvenanceIndex;
  /** False: only the nonce-protected marker makes a call; markup in every other format stays text. Default true. */
  foreignFormats?: boolean;
  /** Tracing only: called with foreign markup that stayed text because it was copied from an input. */
  onCopied?: (text: string) => void;
  /** Tracing only: markup that stayed text for other reasons, and what each push holds back (see ParserNote). */
  onNote?: NoteSink;
}

/**
 * The incremental parser. `push` may be called with any split of the text (including inside a surrogate pair or a
 * marker); the events of all pushes plus `end()` equal those of one push of the whole text followed by `end()`.
 */
export interface Scanner {
  push(chunk: string): ScanEvent[];
  end(): ScanEvent[];
}

export type ScanEvent =
  | { type: "text"; text: string }
  | { type: "reasoning"; text: string }
  /** `id` only when the format carries one (Mistral, Kimi); the engine assigns `call_…` ids otherwise. */
  | { type: "call-start"; index: number; name: string; id?: string }
  | { type: "call-delta"; index: number; argumentsDelta: string }
  /** `arguments` equals the concatenated deltas of this call and is complete JSON text ("{}" for no arguments). */
  | { type: "call-end"; index: number; arguments: string }
  /**
   * A call that could not be completed (truncated, malformed, an undeclared tool); its markup is not released as text.
   * Usually it closes the started call with this index. A call that failed before it could start (toolshim's own
   * marker with an undeclared name or a broken header) has no call-start: it carries the index the next call will
   * get, so the indexes of started calls stay 0..n-1.
   */
  | {
      type: "call-invalid";
      index: number;
      reason: string;
      /** toolshim's marker only: the tool the call named, when no such tool is declared (an `unknown_tool`). */
      name?: string;
      /**
       * toolshim's marker only: the block's JSON after repair, when that gives one call with a JSON object of
       * arguments. The policy decides whether it can still be used (see apps/docs/core.md, "Repairing a call").
       */
      repaired?: { name: string; arguments: string };
    };
