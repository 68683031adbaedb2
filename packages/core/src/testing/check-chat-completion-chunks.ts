export interface ChunkCheckOptions {
  /** The request asked for `stream_options.include_usage`. */
  includeUsage?: boolean;
  /**
   * The model sends calls whole (`argumentsInOneDelta`): the delta with the arguments of a call after the first repeats
   * that call's id, for LobeChat, which gives an id-less delta the first call's id.
   */
  argumentsInOneDelta?: boolean;
}

const FINISH_REASONS = new Set(["stop", "length", "tool_calls", "content_filter", "function_call"]);
const CALL_ID = /^call_[A-Za-z0-9]{24}$/;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null && !Array.isArray(value);
const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

/**
 * Checks a Chat Completions chunk stream against the streaming rules real clients depend on (S1–S15 of the
 * conformance reference: role first, constant envelope, opening and continuation tool-call deltas, contiguous and
 * non-interleaved indexes, arguments that become JSON only at the end, one finish chunk, usage only when asked).
 * Returns the broken rules in words; an empty list means the stream is fine.
 */
export function checkChatCompletionChunks(chunks: readonly unknown[], options: ChunkCheckOptions = {}): string[] {
  const problems: string[] = [];
  const fail = (at: number, message: string) => problems.push(`chunk ${at}: ${message}`);
  if (chunks.length === 0) return ["no chunks"];
  const first = chunks[0] as Json;
  const calls: { id: string; fragments: string[] }[] = [];
  let finishAt = -1;
  let finishReason: unknown;
  let usageAt = -1;
  let sawRole = false;

  chunks.forEach((value, at) => {
    if (!isObject(value)) return fail(at, "is not an object");
    if (value.error) fail(at, "has a truthy top-level error (S13)");
    if (value.object !== "chat.completion.chunk") fail(at, `object is ${JSON.stringify(value.object)} (S2)`);
    for (const key of ["id", "created", "model"]) {
      if (value[key] === undefined || value[key] !== first[key]) fail(at, `${key} differs from the first chunk or is missing (S2)`);
    }
    if (typeof value.id !== "string" || !value.id.startsWith("chatcmpl-")) fail(at, "id does not start with chatcmpl-");
    if (!Array.isArray(value.choices)) return fail(at, "has no choices array (S2)");
    if (usageAt >= 0) fail(at, "comes after the usage chunk");
    if (value.usage !== undefined && value.usage !== null) {
      if (value.choices.length > 0) fail(at, "carries usage together with choices (S11/S12)");
      const usage = value.usage as Json;
      for (const key of ["prompt_tokens", "completion_tokens", "total_tokens"]) {
        if (typeof usage[key] !== "number") fail(at, `usage.${key} is not a number`);
      }
      if (usage.total_tokens !== (usage.prompt_tokens as number) + (usage.completion_tokens as number)) {
        fail(at, "usage.total_tokens is not prompt + completion");
      }
      if (finishAt < 0) fail(at, "usage arrives before the finish chunk (S12)");
      usageAt = at;
      return;
    }
    if (value.choices.length !== 1) return fail(at, "has no usage and not exactly one choice");
    const choice = value.choices[0] as Json;
    if (choice.index !== 0) fail(at, "choices[0].index is not 0 (S2)");
    const delta = choice.delta;
    if (!isObject(delta)) return fail(at, "has no delta object");
    if (at === 0 && delta.role !== "assistant") fail(at, 'the first chunk has no delta.role "assistant" (S1)');
    if (delta.role !== undefined) {
      if (sawRole) fail(at, "repeats delta.role");
      sawRole = true;
    }
    if (finishAt >= 0) fail(at, "comes after the finish chunk");
    if (choice.finish_reason !== null) {
      if (!FINISH_REASONS.has(choice.finish_reason as string)) fail(at, `finish_reason ${JSON.stringify(choice.finish_reason)} (S15)`);
      if (Object.keys(delta).length > 0) fail(at, "the finish chunk's delta is not empty (S11)");
      finishAt = at;
      finishReason = choice.finish_reason;
    }
    const toolCalls = delta.tool_calls;
    if (toolCalls === undefined) return;
    if (typeof delta.content === "string" && delta.content !== "") fail(at, "mixes content and tool_calls (S10)");
    if (delta.reasoning_content) fail(at, "mixes reasoning_content and tool_calls (S10)");
    if (!Array.isArray(toolCalls)) return fail(at, "tool_calls is not an array");
    for (const call of toolCalls as unknown[]) {
      if (!isObject(call) || !Number.isInteger(call.index)) {
        fail(at, "a tool-call delta has no integer index (S4)");
        continue;
      }
      const index = call.index as number;
      const fn = call.function;
      if (!isObject(fn)) fail(at, `tool call ${index} delta has no function object (S4)`);
      const opening = index === calls.length;
      if (opening) {
        if (typeof call.id !== "string" || !CALL_ID.test(call.id)) fail(at, `tool call ${index} opens without a call_ + 24 alphanumerics id (S3)`);
        if (call.type !== "function") fail(at, `tool call ${index} opens without type "function" (S3)`);
        if (!isObject(fn) || typeof fn.name !== "string" || fn.name === "") fail(at, `tool call ${index} opens without a name (S3)`);
        if (!isObject(fn) || typeof fn.arguments !== "string") fail(at, `tool call ${index} opens without an arguments string (S3)`);
        calls.push({ id: String(call.id), fragments: [isObject(fn) ? String(fn.arguments ?? "") : ""] });
      } else if (index === calls.length - 1) {
        const idForLobeChat = options.argumentsInOneDelta === true && index > 0 && call.id === calls[index]?.id;
        if (call.id !== undefined && !idForLobeChat) fail(at, `tool call ${index} repeats its id (S6)`);
        if (call.type !== undefined) fail(at, `tool call ${index} repeats its type (S7)`);
        if (isObject(fn) && fn.name !== undefined) fail(at, `tool call ${index} repeats its name (S5)`);
        if (!isObject(fn) || typeof fn.arguments !== "string") fail(at, `tool call ${index} continues without an arguments string (S7)`);
        (calls[index] as { fragments: string[] }).fragments.push(isObject(fn) ? String(fn.arguments ?? "") : "");
      } else {
        fail(at, `tool call ${index} is out of order: ${calls.length} call(s) opened so far (S4/S8)`);
      }
    }
  });

  if (finishAt < 0) problems.push("no finish chunk (S11)");
  if (options.includeUsage && usageAt < 0) problems.push("no usage chunk although include_usage was set (S12)");
  if (!options.includeUsage && usageAt >= 0) problems.push("a usage chunk although include_usage was not set (S12)");
  if (new Set(calls.map((call) => call.id)).size !== calls.length) problems.push("two tool calls share an id");
  calls.forEach((call, index) => {
    let text = "";
    call.fragments.forEach((fragment, position) => {
      text += fragment;
      const last = position === call.fragments.length - 1;
      if (!last && text !== "" && parses(text)) problems.push(`tool call ${index}: arguments are valid JSON before the last fragment (S9)`);
    });
    if (finishReason !== "length" && !parses(text)) problems.push(`tool call ${index}: final arguments are not valid JSON`);
  });
  if (calls.length > 0 && finishReason !== "tool_calls" && finishReason !== "length") {
    problems.push(`finish_reason is ${JSON.stringify(finishReason)} although the turn has tool calls (§1.5)`);
  }
  if (calls.length === 0 && finishReason === "tool_calls") problems.push('finish_reason is "tool_calls" without tool calls');
  return problems;
}
