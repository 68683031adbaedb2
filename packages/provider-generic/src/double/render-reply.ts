import type { DoubleReply } from "./script.js";

/** The envelope fields every chunk (and the non-stream body) of one response shares. */
export interface ResponseEnvelope {
  id: string;
  created: number;
  model: string;
  /** The request's messages, for the usage estimate. */
  promptText: string;
  includeUsage: boolean;
  chunkSize: number;
}

function pieces(value: string | string[] | undefined, size: number): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  const out: string[] = [];
  for (let i = 0; i < value.length; i += size) out.push(value.slice(i, i + size));
  return out;
}

function joined(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join("") : (value ?? "");
}

function usageOf(reply: DoubleReply, envelope: ResponseEnvelope) {
  const estimate = (text: string) => Math.ceil(text.length / 4);
  const completionText =
    joined(reply.text) + joined(reply.reasoning) + (reply.toolCalls ?? []).map((c) => c.name + c.arguments).join("");
  const prompt = reply.usage?.prompt_tokens ?? estimate(envelope.promptText);
  const completion = reply.usage?.completion_tokens ?? estimate(completionText);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function finishReasonOf(reply: DoubleReply): string | null {
  if (reply.finishReason === null) return null;
  return reply.finishReason ?? (reply.toolCalls?.length ? "tool_calls" : "stop");
}

function callId(reply: DoubleReply, index: number): string {
  return reply.toolCalls?.[index]?.id ?? `call_double_${index}`;
}

/**
 * The SSE payloads of a streamed reply, in order, as OpenAI sends them: a role chunk, reasoning chunks, content
 * chunks, tool-call deltas (opening delta, then argument fragments, one call after the other), the finish chunk, and
 * the usage chunk when the client asked for it. `[DONE]` is not included.
 */
export function renderStreamEvents(reply: DoubleReply, envelope: ResponseEnvelope): string[] {
  const size = reply.chunkSize ?? envelope.chunkSize;
  const base = { id: envelope.id, object: "chat.completion.chunk", created: envelope.created, model: envelope.model };
  // OpenAI sends `usage: null` on every chunk but the last when include_usage is on; clients must tolerate it.
  const usageNull = envelope.includeUsage ? { usage: null } : {};
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    JSON.stringify({
      ...base,
      system_fingerprint: "fp_double",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...usageNull,
    });

  const events = [chunk({ role: "assistant", content: "", refusal: null })];
  const reasoningField = reply.reasoningField ?? "reasoning_content";
  for (const piece of pieces(reply.reasoning, size)) events.push(chunk({ [reasoningField]: piece }));
  for (const piece of pieces(reply.text, size)) events.push(chunk({ content: piece }));
  (reply.toolCalls ?? []).forEach((call, index) => {
    events.push(
      chunk({
        tool_calls: [{ index, id: callId(reply, index), type: "function", function: { name: call.name, arguments: "" } }],
      }),
    );
    for (const piece of pieces(call.arguments, size)) {
      events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    }
  });
  if (finishReasonOf(reply) !== null) events.push(chunk({}, finishReasonOf(reply)));
  if (envelope.includeUsage) {
    events.push(JSON.stringify({ ...base, system_fingerprint: "fp_double", choices: [], usage: usageOf(reply, envelope) }));
  }
  return events;
}

/** The non-streaming `chat.completion` body of a reply. */
export function renderCompletion(reply: DoubleReply, envelope: ResponseEnvelope): Record<string, unknown> {
  const text = joined(reply.text);
  const message: Record<string, unknown> = {
    role: "assistant",
    content: text === "" && reply.toolCalls?.length ? null : text,
    refusal: null,
  };
  if (reply.reasoning !== undefined) message[reply.reasoningField ?? "reasoning_content"] = joined(reply.reasoning);
  if (reply.toolCalls?.length) {
    message.tool_calls = reply.toolCalls.map((call, index) => ({
      id: callId(reply, index),
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return {
    id: envelope.id,
    object: "chat.completion",
    created: envelope.created,
    model: envelope.model,
    system_fingerprint: "fp_double",
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(reply) }],
    usage: usageOf(reply, envelope),
  };
}
